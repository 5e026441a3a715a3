package org.steady.app.ui

import org.steady.app.state.*

import androidx.compose.animation.core.animateFloatAsState
import androidx.compose.animation.core.tween
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.PathEffect
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp

/** The whole app's UI: one screen per [SteadyUi] state. */
@Composable
fun SteadyApp(ui: SteadyUi, actions: UiActions) {
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        when (ui) {
            SteadyUi.Onboarding -> OnboardingScreen(actions)
            is SteadyUi.PermissionDenied -> PermissionDeniedScreen(ui, actions)
            is SteadyUi.StorageProblem -> StorageProblemScreen(ui, actions)
            is SteadyUi.StrapPicker -> StrapPickerScreen(ui, actions)
            is SteadyUi.Live -> LiveScreen(ui.gauge, ui.prompt, actions)
            is SteadyUi.Reset -> ResetScreen(ui.pacer, actions)
            is SteadyUi.Summary -> SummaryScreen(ui.summary, actions)
            is SteadyUi.History -> HistoryScreen(ui.rows, actions)
        }
    }
}

/** A scrolling page: at 200 % font scale nothing is cut off, it scrolls. */
@Composable
private fun Page(content: @Composable ColumnScope.() -> Unit) {
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(horizontal = 20.dp, vertical = 24.dp),
        verticalArrangement = Arrangement.spacedBy(14.dp),
        content = content,
    )
}

@Composable
private fun Title(text: String) {
    Text(text, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
}

@Composable
private fun Body(text: String, color: Color = MaterialTheme.colorScheme.onSurface) {
    Text(text, style = MaterialTheme.typography.bodyLarge, color = color)
}

@Composable
private fun Primary(text: String, onClick: () -> Unit) {
    Button(onClick = onClick, modifier = Modifier.fillMaxWidth()) { Text(text, textAlign = TextAlign.Center) }
}

@Composable
private fun Secondary(text: String, onClick: () -> Unit) {
    OutlinedButton(onClick = onClick, modifier = Modifier.fillMaxWidth()) { Text(text, textAlign = TextAlign.Center) }
}

@Composable
fun OnboardingScreen(actions: UiActions) = Page {
    Title("Steady listens to your heart-rate strap")
    Body("During a shift it notices when you stay activated without a break, and offers a 30-second reset.")
    Reason("Nearby devices", "To find your chest strap and keep it connected while the screen is off.")
    Reason("Notifications", "For the reset prompts, and the note that a shift is running.")
    Body(
        "Your heart data stays on this phone. Nothing starts until you allow both.",
        MaterialTheme.colorScheme.onSurfaceVariant,
    )
    Spacer(Modifier.height(4.dp))
    Primary("Continue", actions::continueOnboarding)
}

@Composable
private fun Reason(title: String, text: String) {
    Column(Modifier.fillMaxWidth().border(1.dp, MaterialTheme.colorScheme.outlineVariant, RoundedCornerShape(12.dp)).padding(14.dp)) {
        Text(title, style = MaterialTheme.typography.titleMedium)
        Text(text, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
    }
}

@Composable
fun PermissionDeniedScreen(ui: SteadyUi.PermissionDenied, actions: UiActions) = Page {
    Title("Steady cannot listen yet")
    Body("Without ${ui.missing.joinToString(" and ")}, Steady cannot reach your strap or show reset prompts, so no shift is started.")
    if (ui.forever) {
        Body("Android will not ask again. Open Settings, then Permissions, and allow them there.")
        Primary("Open settings", actions::openSettings)
    } else {
        Primary("Ask again", actions::continueOnboarding)
    }
}

@Composable
fun StorageProblemScreen(ui: SteadyUi.StorageProblem, actions: UiActions) = Page {
    Title("Steady could not open its data")
    Body("Your stored shifts could not be read, so nothing was started. You can save a copy of the file, or start again with an empty history.")
    Text(ui.detail, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
    ui.exportMessage?.let { Body(it) }
    Primary("Save a copy of the data", actions::exportDamaged)
    Secondary("Start again (deletes stored shifts)", actions::resetDamaged)
}

@Composable
fun StrapPickerScreen(ui: SteadyUi.StrapPicker, actions: UiActions) = Page {
    Title("Choose your strap")
    for (s in ui.straps) StrapRow(s) { actions.pickStrap(s.address) }
    if (ui.scanning) {
        Text("Looking for straps…", style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
    } else {
        if (ui.straps.isEmpty()) Body("No strap found nearby.")
        Secondary("Look again", actions::rescan)
    }
    Body(
        "Put the strap on: it wakes when the electrodes touch skin. Steady will use only the strap you pick.",
        MaterialTheme.colorScheme.onSurfaceVariant,
    )
}

@Composable
private fun StrapRow(s: StrapUi, onClick: () -> Unit) {
    Card(
        Modifier.fillMaxWidth().clickable(onClick = onClick),
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surfaceVariant),
    ) {
        Column(Modifier.padding(14.dp)) {
            Text(s.name, style = MaterialTheme.typography.titleMedium)
            val signal = s.rssiDbm?.let { "${signalWord(it)} signal ($it dBm)" } ?: "not seen in this scan"
            Text(signal, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
            if (s.lastUsed) Text("Last used", style = MaterialTheme.typography.labelLarge, color = MaterialTheme.colorScheme.primary)
        }
    }
}

private fun signalWord(rssi: Int) = when {
    rssi >= -60 -> "Strong"
    rssi >= -75 -> "Good"
    else -> "Weak"
}

@Composable
fun LiveScreen(g: GaugeUi, prompt: PromptUi?, actions: UiActions) = Page {
    Text(linkText(g), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
    // The prompt first: at large font sizes it must not sit below the fold.
    prompt?.let { PromptCard(it, actions) }
    Gauge(g, Modifier.align(Alignment.CenterHorizontally))
    if (g.link == StrapLink.NO_SIGNAL) {
        Body("No reading: the strap is out of range or not touching skin. Nothing is scored until it is back.")
    } else if (g.learning && g.link == StrapLink.STREAMING) {
        Body("Learning your baseline. For the first minutes Steady compares you with typical values; it becomes yours as you wear it.")
    }
    Text("Shift ${g.elapsed} · load ${g.load}", style = MaterialTheme.typography.bodyLarge)
    if (prompt == null) Primary("30-second reset", actions::startReset)
    Secondary("End shift", actions::endShift)
    TextButton(onClick = actions::showHistory) { Text("Earlier shifts") }
}

private fun linkText(g: GaugeUi): String {
    val name = g.strapName ?: "strap"
    return when (g.link) {
        StrapLink.WAITING -> "Connecting to $name…"
        StrapLink.STREAMING -> "$name connected"
        StrapLink.NO_SIGNAL -> "$name: no signal${g.silentFor?.let { " since $it" } ?: ""}"
    }
}

@Composable
private fun Gauge(g: GaugeUi, modifier: Modifier = Modifier) {
    val silent = g.link != StrapLink.STREAMING || g.gauge == null
    val value = if (silent) 0 else g.gauge!!.coerceIn(0, 100)
    val sweep by animateFloatAsState(270f * value / 100f, tween(600), label = "gauge")
    val label = when {
        g.link == StrapLink.WAITING -> "Waiting for strap"
        silent -> "No signal"
        else -> toneLabel(g.tone)
    }
    Column(
        modifier.semantics(mergeDescendants = true) {
            contentDescription = if (silent) label else "Activation $value of 100, $label"
        },
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Box(Modifier.size(200.dp), contentAlignment = Alignment.Center) {
            val track = MaterialTheme.colorScheme.surfaceVariant
            Canvas(Modifier.fillMaxSize()) {
                val w = 16.dp.toPx()
                val inset = w / 2
                val arc = Size(size.width - w, size.height - w)
                if (silent) {
                    // Dashed grey ring: no reading is not a low reading.
                    drawArc(
                        toneColor(Tone.NO_SIGNAL), 135f, 270f, false, Offset(inset, inset), arc,
                        style = Stroke(w / 2, cap = StrokeCap.Butt, pathEffect = PathEffect.dashPathEffect(floatArrayOf(14f, 14f))),
                    )
                } else {
                    drawArc(track, 135f, 270f, false, Offset(inset, inset), arc, style = Stroke(w, cap = StrokeCap.Round))
                    drawArc(toneColor(g.tone), 135f, sweep.coerceAtLeast(1f), false, Offset(inset, inset), arc, style = Stroke(w, cap = StrokeCap.Round))
                }
            }
            // The number is already large: sized in dp so it stays inside the ring at any font scale.
            val numberSize = with(LocalDensity.current) { 52.dp.toSp() }
            Text(if (silent) "– –" else value.toString(), fontSize = numberSize, fontWeight = FontWeight.Medium)
        }
        Text(label, style = MaterialTheme.typography.titleLarge, textAlign = TextAlign.Center)
    }
}

@Composable
private fun PromptCard(p: PromptUi, actions: UiActions) {
    Card(
        Modifier.fillMaxWidth(),
        colors = CardDefaults.cardColors(containerColor = Color(0xFFFFF1E8), contentColor = Color(0xFF2B1B12)),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
            Text(p.title, style = MaterialTheme.typography.titleMedium)
            Text(p.text, style = MaterialTheme.typography.bodyMedium)
            Primary("Start reset", actions::startReset)
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                TextButton(onClick = actions::snoozePrompt) { Text("Snooze") }
                TextButton(onClick = actions::dismissPrompt) { Text("Not now") }
            }
        }
    }
}

/** The guided reset: the circle grows on the in-breath and shrinks on the out-breath. */
@Composable
fun ResetScreen(p: PacerUi, actions: UiActions) = Page {
    Text(p.phase.label, style = MaterialTheme.typography.headlineLarge, modifier = Modifier.align(Alignment.CenterHorizontally))
    Text(
        if (p.phase == BreathPhaseUi.DONE) "Well done" else "${p.secondsLeft} s",
        style = MaterialTheme.typography.titleLarge,
        modifier = Modifier.align(Alignment.CenterHorizontally),
    )
    val teal = toneColor(Tone.BASELINE)
    Canvas(Modifier.size(240.dp).align(Alignment.CenterHorizontally)) {
        drawCircle(teal.copy(alpha = 0.15f), radius = size.minDimension / 2)
        drawCircle(teal.copy(alpha = 0.55f), radius = size.minDimension / 2 * p.size)
    }
    Text("Step ${p.step} of ${p.steps}", style = MaterialTheme.typography.bodyLarge, modifier = Modifier.align(Alignment.CenterHorizontally))
    Secondary(if (p.phase == BreathPhaseUi.DONE) "Back to the shift" else "Stop", actions::stopReset)
}

@Composable
fun SummaryScreen(s: SummaryUi, actions: UiActions) = Page {
    Title(s.title)
    Text(s.span, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant)
    ShiftChart(s, Modifier.fillMaxWidth().height(200.dp))
    ChartLegend()
    Section("Time in each state")
    for (t in s.timeInState) StateRow(t)
    Section("Coming back down")
    Stat("Returns to baseline", s.returnsToBaseline.toString())
    Stat("Longest stretch without one", s.longestWithoutReturn)
    Stat("Load at the end", s.load)
    Stat("Prompts", s.prompts)
    if (s.resets.isNotEmpty()) {
        Section("Resets")
        for (r in s.resets) Stat(r.at, "${r.effect} · ${r.verdict}")
    }
    Section("Against your last shifts")
    if (s.trend.isEmpty()) Body("Your first shift here: the comparison starts with the next one.")
    for (line in s.trend) Body(line)
    s.exportMessage?.let { Body(it) }
    Primary("Done", actions::done)
    Secondary("Export this shift", actions::export)
    TextButton(onClick = actions::showHistory) { Text("Earlier shifts") }
}

@Composable
private fun Section(text: String) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 6.dp).semantics { heading() })
}

@Composable
private fun Stat(title: String, value: String) {
    // Title and value stack when the row is too narrow (large font scales).
    Column(Modifier.fillMaxWidth()) {
        Text(title, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        Text(value, style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun StateRow(t: StateTimeUi) {
    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(10.dp)) {
        Box(Modifier.size(14.dp).background(toneColor(t.tone), RoundedCornerShape(3.dp)))
        Text("${t.label}: ${t.duration}", style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
fun HistoryScreen(rows: List<HistoryRowUi>, actions: UiActions) = Page {
    Title("Earlier shifts")
    if (rows.isEmpty()) Body("No finished shift yet.")
    for (r in rows) {
        Column(Modifier.fillMaxWidth().border(1.dp, MaterialTheme.colorScheme.outlineVariant, RoundedCornerShape(12.dp)).padding(14.dp)) {
            Text("${r.date} · ${r.duration}", style = MaterialTheme.typography.titleMedium)
            Text("At baseline ${r.baselineShare} · ${r.returns}", style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
    Secondary("Back", actions::back)
}
