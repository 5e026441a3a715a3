package org.steady.app

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.animation.core.animateFloatAsState
import androidx.compose.animation.core.tween
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import kotlinx.coroutines.delay

/** What the gauge screen shows; every value comes from the core's snapshot. */
data class GaugeUi(
    val gauge: Int?,
    val stateLabel: String,
    val learning: Boolean,
    val strap: String,
    val load: Double,
)

/** One phase of the guided reset (the core's breathing protocol). */
data class BreathUi(val label: String, val seconds: Double, val inhale: Boolean)

/** One line of the summary, already worded from the core's summary record. */
data class SummaryLineUi(val title: String, val value: String)

@Composable
fun GaugeScreen(ui: GaugeUi, onStartReset: () -> Unit, onEndShift: () -> Unit) {
    Column(
        Modifier.fillMaxSize().padding(24.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
    ) {
        val value = ui.gauge ?: 0
        val sweep by animateFloatAsState(270f * value.coerceIn(0, 100) / 100f, tween(600), label = "gauge")
        Box(
            Modifier.size(240.dp).semantics {
                contentDescription = ui.gauge?.let { "Activation $it of 100, ${ui.stateLabel}" } ?: "No signal"
            },
            contentAlignment = Alignment.Center,
        ) {
            Canvas(Modifier.fillMaxSize()) {
                val stroke = Stroke(width = 18.dp.toPx(), cap = StrokeCap.Round)
                val inset = stroke.width / 2
                val arcSize = Size(size.width - 2 * inset, size.height - 2 * inset)
                drawArc(Color.LightGray.copy(alpha = 0.3f), 135f, 270f, false, Offset(inset, inset), arcSize, style = stroke)
                drawArc(tint(value), 135f, sweep, false, Offset(inset, inset), arcSize, style = stroke)
            }
            Column(horizontalAlignment = Alignment.CenterHorizontally) {
                Text(ui.gauge?.toString() ?: "–", fontSize = 56.sp)
                Text(ui.stateLabel, style = MaterialTheme.typography.titleMedium)
            }
        }
        if (ui.learning) Text("Learning your baseline", style = MaterialTheme.typography.bodySmall)
        Text("Strap: ${ui.strap} · load ${"%.1f".format(ui.load)}", style = MaterialTheme.typography.bodySmall)
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            Button(onClick = onStartReset) { Text("30-second reset") }
            OutlinedButton(onClick = onEndShift) { Text("End shift") }
        }
    }
}

private fun tint(gauge: Int): Color = when {
    gauge < 30 -> Color(0xFF26A69A)
    gauge < 60 -> Color(0xFFFFCA28)
    else -> Color(0xFFFF7043)
}

/**
 * The guided reset: a circle that grows on the in-breath and shrinks on the
 * out-breath, paced by the core's protocol; [onCue] drives the haptics.
 */
@Composable
fun ResetScreen(
    steps: List<BreathUi>,
    onCue: (BreathUi?) -> Unit,
    onFinish: () -> Unit,
    onCancel: () -> Unit,
) {
    var index by remember { mutableIntStateOf(0) }
    val step = steps.getOrNull(index)
    val scale by animateFloatAsState(
        if (step?.inhale == true) 1f else 0.45f,
        tween(((step?.seconds ?: 0.3) * 1000).toInt()),
        label = "breath",
    )
    LaunchedEffect(steps) {
        for ((i, s) in steps.withIndex()) {
            index = i
            onCue(s)
            delay((s.seconds * 1000).toLong())
        }
        onCue(null)
        onFinish()
    }
    Column(
        Modifier.fillMaxSize().padding(24.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(32.dp, Alignment.CenterVertically),
    ) {
        Text(step?.label ?: "Done", style = MaterialTheme.typography.headlineLarge)
        Canvas(Modifier.size(260.dp)) {
            drawCircle(Color(0xFF26A69A).copy(alpha = 0.35f), radius = size.minDimension / 2 * scale)
        }
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
            OutlinedButton(onClick = onCancel) { Text("Stop") }
            Text("${index + 1} / ${steps.size}")
        }
    }
}

@Composable
fun SummaryScreen(lines: List<SummaryLineUi>, onExport: () -> Unit, onDone: () -> Unit) {
    Column(Modifier.fillMaxSize().padding(24.dp)) {
        Text("Shift summary", style = MaterialTheme.typography.headlineMedium)
        Spacer(Modifier.size(16.dp))
        LazyColumn(Modifier.weight(1f)) {
            items(lines) { line ->
                Row(Modifier.fillMaxWidth().padding(vertical = 8.dp), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text(line.title)
                    Text(line.value)
                }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            OutlinedButton(onClick = onExport) { Text("Export") }
            Button(onClick = onDone) { Text("Done") }
        }
    }
}
