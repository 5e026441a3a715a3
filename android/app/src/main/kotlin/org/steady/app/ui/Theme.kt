package org.steady.app.ui

import org.steady.app.state.*

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontFamily

/**
 * Colours of the states. Used for rings, bands and chips only; text stays in
 * the theme's dark-on-light colours so it reads at any gauge value. "No
 * signal" is grey and drawn dashed: it must never look like the calm teal.
 */
fun toneColor(tone: Tone): Color = when (tone) {
    Tone.BASELINE -> Color(0xFF2E7D6B)
    Tone.ELEVATED -> Color(0xFFE0A100)
    Tone.ACTIVATED -> Color(0xFFD84315)
    Tone.ACTIVE -> Color(0xFF1E6FB8)
    Tone.RECOVERING -> Color(0xFF7E57C2)
    Tone.NO_SIGNAL -> Color(0xFF8A8A8A)
}

private val colors = lightColorScheme(
    primary = Color(0xFF1F5F52),
    onPrimary = Color.White,
    secondary = Color(0xFF4A635D),
    background = Color(0xFFFAFCFB),
    surface = Color(0xFFFAFCFB),
    onSurface = Color(0xFF161D1B),
    onSurfaceVariant = Color(0xFF3F4946),
    surfaceVariant = Color(0xFFE1E6E4),
    outlineVariant = Color(0xFFBFC9C5),
    error = Color(0xFFB3261E),
)

/**
 * Steady's Material theme. [fontFamily] is the platform default on a phone;
 * the screenshot tests pass a font from a jar so rendering does not depend on
 * the fonts a machine happens to have.
 */
@Composable
fun SteadyTheme(fontFamily: FontFamily = FontFamily.Default, content: @Composable () -> Unit) {
    val t = Typography()
    fun TextStyle.f() = copy(fontFamily = fontFamily)
    val typography = Typography(
        displayLarge = t.displayLarge.f(), displayMedium = t.displayMedium.f(), displaySmall = t.displaySmall.f(),
        headlineLarge = t.headlineLarge.f(), headlineMedium = t.headlineMedium.f(), headlineSmall = t.headlineSmall.f(),
        titleLarge = t.titleLarge.f(), titleMedium = t.titleMedium.f(), titleSmall = t.titleSmall.f(),
        bodyLarge = t.bodyLarge.f(), bodyMedium = t.bodyMedium.f(), bodySmall = t.bodySmall.f(),
        labelLarge = t.labelLarge.f(), labelMedium = t.labelMedium.f(), labelSmall = t.labelSmall.f(),
    )
    MaterialTheme(colorScheme = colors, typography = typography, content = content)
}
