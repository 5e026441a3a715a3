package org.steady.app.ui

import org.steady.app.state.*

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.PathEffect
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.drawText
import androidx.compose.ui.text.rememberTextMeasurer
import androidx.compose.ui.unit.dp

private val LOAD = Color(0xFF5C6BC0)
private val PROMPT = Color(0xFFD84315)

/**
 * The shift at a glance: a band of states along the top, the gauge as a line
 * (broken where there was no signal), unrecovered load as a shaded area, a
 * triangle at each prompt and a dot at each reset; hours along the bottom.
 */
@Composable
fun ShiftChart(s: SummaryUi, modifier: Modifier = Modifier) {
    val measurer = rememberTextMeasurer()
    val labelStyle = MaterialTheme.typography.labelSmall.copy(color = MaterialTheme.colorScheme.onSurfaceVariant)
    val lineColor = MaterialTheme.colorScheme.onSurface
    val grid = MaterialTheme.colorScheme.outlineVariant
    val resetColor = toneColor(Tone.BASELINE)
    Canvas(modifier.semantics { contentDescription = "Chart of the shift: states, gauge, load, prompts and resets over ${s.title}" }) {
        val total = s.durationMin.coerceAtLeast(1f)
        val labelH = measurer.measure("0 h", labelStyle).size.height.toFloat()
        val band = 12.dp.toPx()
        val markH = 10.dp.toPx()
        val top = band + markH + 4.dp.toPx()
        val bottom = size.height - labelH - 4.dp.toPx()
        val plotH = (bottom - top).coerceAtLeast(1f)
        fun x(min: Float) = min / total * size.width
        fun y(v: Float) = bottom - v / 100f * plotH

        // State band.
        s.points.zipWithNext().forEach { (a, b) ->
            drawRect(toneColor(a.tone), Offset(x(a.minute), markH), Size((x(b.minute) - x(a.minute)).coerceAtLeast(1f), band))
        }
        // Grid: 0, 50, 100 and the hour ticks.
        for (v in listOf(0f, 50f, 100f)) drawLine(grid, Offset(0f, y(v)), Offset(size.width, y(v)), 1f)
        val stepH = when {
            total > 8 * 60 -> 3
            total > 3 * 60 -> 2
            else -> 1
        }
        var h = 0
        while (h * 60 <= total) {
            val px = x(h * 60f)
            drawLine(grid, Offset(px, top), Offset(px, bottom), 1f)
            val text = measurer.measure("$h h", labelStyle)
            val lx = (px - text.size.width / 2f).coerceIn(0f, size.width - text.size.width)
            drawText(text, topLeft = Offset(lx, bottom + 4.dp.toPx()))
            h += stepH
        }
        // Load, scaled to its peak (its own axis: the shape matters, not the unit).
        val peak = s.points.maxOfOrNull { it.load }?.coerceAtLeast(1f) ?: 1f
        if (s.points.size > 1) {
            val area = Path().apply {
                moveTo(x(s.points.first().minute), bottom)
                for (p in s.points) lineTo(x(p.minute), bottom - p.load / peak * plotH * 0.9f)
                lineTo(x(s.points.last().minute), bottom)
                close()
            }
            drawPath(area, LOAD.copy(alpha = 0.22f))
        }
        // Gauge line, broken at gaps.
        var path = Path()
        var open = false
        for (p in s.points) {
            val g = p.gauge
            if (g == null) {
                open = false
                continue
            }
            if (!open) path.moveTo(x(p.minute), y(g)) else path.lineTo(x(p.minute), y(g))
            open = true
        }
        drawPath(path, lineColor, style = Stroke(1.5.dp.toPx()))
        // Prompts (triangles above the band) and resets (dots on the line).
        for (m in s.marks) {
            val px = x(m.minute)
            when (m.kind) {
                MarkKind.PROMPT -> {
                    path = Path().apply {
                        moveTo(px - markH / 2, 0f); lineTo(px + markH / 2, 0f); lineTo(px, markH - 1f); close()
                    }
                    drawPath(path, PROMPT)
                    drawLine(PROMPT.copy(alpha = 0.5f), Offset(px, top), Offset(px, bottom), 1f, pathEffect = PathEffect.dashPathEffect(floatArrayOf(6f, 6f)))
                }
                MarkKind.RESET -> drawCircle(resetColor, 4.dp.toPx(), Offset(px, bottom - 4.dp.toPx()))
            }
        }
    }
}

/** What the chart's colours and marks mean. */
@Composable
fun ChartLegend() {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalAlignment = Alignment.CenterVertically) {
            Key(Modifier.background(MaterialTheme.colorScheme.onSurface), "Gauge")
            Key(Modifier.background(LOAD.copy(alpha = 0.35f)), "Load")
        }
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalAlignment = Alignment.CenterVertically) {
            Key(Modifier.background(PROMPT, RoundedCornerShape(2.dp)), "Prompt")
            Key(Modifier.background(toneColor(Tone.BASELINE), CircleShape), "Reset")
        }
    }
}

@Composable
private fun Key(swatch: Modifier, text: String) {
    Row(horizontalArrangement = Arrangement.spacedBy(6.dp), verticalAlignment = Alignment.CenterVertically) {
        Box(swatch.size(12.dp))
        Text(text, style = MaterialTheme.typography.bodyMedium)
    }
}
