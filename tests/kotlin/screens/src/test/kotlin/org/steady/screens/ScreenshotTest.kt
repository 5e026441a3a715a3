package org.steady.screens

import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.platform.Font
import androidx.compose.ui.unit.Density
import androidx.compose.ui.use
import org.jetbrains.skia.EncodedImageFormat
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.fail
import org.steady.app.ui.SteadyApp
import org.steady.app.ui.SteadyTheme
import org.steady.app.state.UiActions
import java.awt.image.BufferedImage
import java.io.ByteArrayInputStream
import java.io.File
import javax.imageio.ImageIO
import kotlin.math.abs

/**
 * Renders every screen state ([Fixtures.states]) on a small phone (360x640 dp
 * at density 2) at 100 % and 200 % font scale, plus the summary's whole page,
 * to target/screens/NAME.png, and compares each with reference/NAME.png.
 *
 * A pixel differs when a colour channel moved by more than [CHANNEL_SLACK]
 * (antialiasing moves edges by a little); a screen differs when more than
 * [MAX_DIFF_PIXELS] pixels do (a changed word is several hundred). On a
 * difference the test fails and writes target/screens/diff/NAME.png (red =
 * changed). `-Dscreens.update=true` rewrites the references instead; a
 * missing reference fails.
 */
class ScreenshotTest {
    private val out = File(System.getProperty("screens.out") ?: "target/screens")
    private val reference = File(System.getProperty("screens.reference") ?: "reference")
    private val update = System.getProperty("screens.update") == "true"

    private val roboto: FontFamily by lazy {
        fun font(file: String, weight: FontWeight): androidx.compose.ui.text.font.Font {
            val path = "com/cathive/fonts/roboto/$file"
            val bytes = javaClass.classLoader.getResourceAsStream(path)?.readBytes()
                ?: fail("font $path missing from the test classpath (com.cathive.fonts:fonts-roboto)")
            return Font("roboto-$file", bytes, weight)
        }
        FontFamily(
            font("Roboto-Regular.ttf", FontWeight.Normal),
            font("Roboto-Medium.ttf", FontWeight.Medium),
            font("Roboto-Bold.ttf", FontWeight.Bold),
        )
    }

    private data class Shot(val name: String, val widthDp: Int, val heightDp: Int, val fontScale: Float)

    @TestFactory
    fun `every screen state matches its reference image`(): List<DynamicTest> {
        val shots = Fixtures.states.flatMap { (name, ui) ->
            val base = listOf(Shot(name, 360, 640, 1f) to ui, Shot("${name}_font200", 360, 640, 2f) to ui)
            // The summary is a long page: also the whole of it.
            val whole = if (name == "summary") {
                listOf(Shot("${name}_page", 360, 1500, 1f) to ui, Shot("${name}_page_font200", 360, 2600, 2f) to ui)
            } else emptyList()
            base + whole
        }
        val names = shots.map { "${it.first.name}.png" }.toSet()
        val stale = DynamicTest.dynamicTest("no reference image without a screen state") {
            val extra = reference.list()?.filter { it.endsWith(".png") && it !in names }.orEmpty()
            if (update) extra.forEach { File(reference, it).delete() } else assertTrue(extra.isEmpty()) { "stale references: $extra" }
        }
        return shots.map { (shot, ui) -> DynamicTest.dynamicTest(shot.name) { check(shot, ui) } } + stale
    }

    private fun check(shot: Shot, ui: org.steady.app.state.SteadyUi) {
        val png = render(shot, ui)
        out.mkdirs()
        File(out, "${shot.name}.png").writeBytes(png)
        val ref = File(reference, "${shot.name}.png")
        if (update) {
            reference.mkdirs()
            ref.writeBytes(png)
            return
        }
        if (!ref.exists()) fail("no reference image $ref; render them with -Dscreens.update=true and look at each")
        val a = ImageIO.read(ByteArrayInputStream(png))
        val b = ImageIO.read(ref)
        if (a.width != b.width || a.height != b.height) {
            fail("${shot.name}: ${a.width}x${a.height}, reference ${b.width}x${b.height}")
        }
        val diff = BufferedImage(a.width, a.height, BufferedImage.TYPE_INT_RGB)
        var changed = 0
        for (y in 0 until a.height) for (x in 0 until a.width) {
            val p = a.getRGB(x, y)
            val q = b.getRGB(x, y)
            val d = maxOf(
                abs((p shr 16 and 0xFF) - (q shr 16 and 0xFF)),
                abs((p shr 8 and 0xFF) - (q shr 8 and 0xFF)),
                abs((p and 0xFF) - (q and 0xFF)),
            )
            if (d > CHANNEL_SLACK) {
                changed++
                diff.setRGB(x, y, 0xFF0000)
            } else {
                diff.setRGB(x, y, (q and 0xFEFEFE shr 1) or 0x808080) // the reference, faded
            }
        }
        if (changed > MAX_DIFF_PIXELS) {
            File(out, "diff").mkdirs()
            ImageIO.write(diff, "png", File(out, "diff/${shot.name}.png"))
        }
        assertTrue(changed <= MAX_DIFF_PIXELS) {
            "${shot.name}: $changed pixels differ from $ref (see ${File(out, "diff/${shot.name}.png")})"
        }
    }

    private fun render(shot: Shot, ui: org.steady.app.state.SteadyUi): ByteArray {
        val density = Density(DENSITY, shot.fontScale)
        val scene = ImageComposeScene(
            width = (shot.widthDp * DENSITY).toInt(),
            height = (shot.heightDp * DENSITY).toInt(),
            density = density,
        ) {
            SteadyTheme(fontFamily = roboto) { SteadyApp(ui, object : UiActions {}) }
        }
        return scene.use {
            it.render(0L) // first frame: composition and layout
            val image = it.render(1_000_000_000L) // animations settled at their targets
            image.encodeToData(EncodedImageFormat.PNG)?.bytes ?: fail("PNG encoding failed for ${shot.name}")
        }
    }

    companion object {
        const val DENSITY = 2f
        const val CHANNEL_SLACK = 48
        const val MAX_DIFF_PIXELS = 60
    }
}
