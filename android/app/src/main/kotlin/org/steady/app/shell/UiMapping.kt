package org.steady.app.shell

import org.steady.app.state.ChartMark
import org.steady.app.state.ChartPoint
import org.steady.app.state.HistoryRowUi
import org.steady.app.state.MarkKind
import org.steady.app.state.ResetEffectUi
import org.steady.app.state.StateTimeUi
import org.steady.app.state.SummaryUi
import org.steady.app.state.Tone
import org.steady.app.state.hoursMinutes
import org.steady.app.state.toneLabel
import org.steady.core.ActivationState
import org.steady.core.EffectVerdict
import org.steady.core.GaugeUpdate
import org.steady.core.ShiftSummary
import org.steady.core.Trend
import org.steady.core.ShiftRecord
import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale

/**
 * The core's records in words and plain values for the screens. Wording
 * only: every number comes from the core unchanged.
 */
object UiMapping {
    fun tone(s: ActivationState): Tone = when (s) {
        ActivationState.BASELINE -> Tone.BASELINE
        ActivationState.ELEVATED -> Tone.ELEVATED
        ActivationState.ACTIVATED -> Tone.ACTIVATED
        ActivationState.ACTIVE -> Tone.ACTIVE
        ActivationState.RECOVERING -> Tone.RECOVERING
        ActivationState.NO_SIGNAL -> Tone.NO_SIGNAL
    }

    fun load(spreadMinutes: Double): String {
        val word = when {
            spreadMinutes < 5 -> "light"
            spreadMinutes < 15 -> "moderate"
            else -> "heavy"
        }
        return "$word (${"%.1f".format(Locale.ROOT, spreadMinutes)})"
    }

    private fun clock(ms: Long, zone: ZoneId, pattern: String): String =
        DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(Instant.ofEpochMilli(ms).atZone(zone))

    private fun verdict(v: EffectVerdict) = when (v) {
        EffectVerdict.CALMER -> "helped"
        EffectVerdict.MORE_ACTIVATED -> "more activated after"
        EffectVerdict.NO_MEASURABLE_CHANGE -> "no clear change"
        EffectVerdict.NOT_MEASURABLE -> "not measurable"
    }

    /**
     * The summary screen from the core's summary (its trend compares with
     * the store's earlier shifts) and [points], the shift's gauge refreshes
     * from the store (the chart).
     */
    fun summary(s: ShiftSummary, points: List<GaugeUpdate>, zone: ZoneId = ZoneId.systemDefault()): SummaryUi {
        val t = s.timeIn
        val total = listOf(t.baselineS, t.elevatedS, t.activatedS, t.activeS, t.recoveringS, t.noSignalS).sum().coerceAtLeast(1.0)
        fun row(tone: Tone, sec: Double) = StateTimeUi(tone, toneLabel(tone), hoursMinutes(sec), (sec / total).toFloat())
        val minute = { ms: Long -> ((ms - s.startMs) / 60_000.0).toFloat() }
        val resets = s.resets.map { r ->
            val hr = r.deltaHrBpm?.let { "heart rate ${"%+.0f".format(Locale.ROOT, it)} bpm" }
            val hrv = r.deltaLnRmssd?.let { "HRV ${"%+.0f".format(Locale.ROOT, (Math.exp(it) - 1) * 100)} %" }
            ResetEffectUi(clock(r.startedMs, zone, "HH:mm"), listOfNotNull(hr, hrv).joinToString(", ").ifEmpty { "no reading" }, verdict(r.verdict))
        }
        val trend = trendLines(s.trend)
        return SummaryUi(
            title = "Shift of ${hoursMinutes(s.durationS)}",
            span = "${clock(s.startMs, zone, "EEE d MMM, HH:mm")} – ${clock(s.endMs, zone, "HH:mm")}",
            durationMin = (s.durationS / 60.0).toFloat(),
            points = points.map { ChartPoint(minute(it.tMs), it.gauge?.toFloat(), tone(it.state), it.load.toFloat()) },
            marks = s.prompts.map { ChartMark(minute(it.prompt.tMs), MarkKind.PROMPT) } +
                s.resets.map { ChartMark(minute(it.startedMs), MarkKind.RESET) },
            timeInState = listOf(
                row(Tone.BASELINE, t.baselineS), row(Tone.ELEVATED, t.elevatedS), row(Tone.ACTIVATED, t.activatedS),
                row(Tone.RECOVERING, t.recoveringS), row(Tone.ACTIVE, t.activeS), row(Tone.NO_SIGNAL, t.noSignalS),
            ).filter { it.share > 0f },
            returnsToBaseline = s.returnsToBaseline.toInt(),
            longestWithoutReturn = hoursMinutes(s.longestWithoutReturnS),
            load = "${load(s.loadEnd)} at the end, peak ${"%.1f".format(Locale.ROOT, s.loadPeak)}",
            prompts = "${s.promptsOffered} offered · ${s.promptsTaken} taken · ${s.promptsSnoozed} snoozed · ${s.promptsDismissed} not now",
            resets = resets,
            trend = trend,
        )
    }

    /** The core's comparison with the last shifts, in words; empty before there are any. */
    fun trendLines(t: Trend): List<String> {
        if (t.previousShifts == 0u) return emptyList()
        val n = t.previousShifts
        fun points(d: Double) = "${"%.0f".format(Locale.ROOT, kotlin.math.abs(d * 100))} points ${if (d >= 0) "more" else "less"}"
        return listOfNotNull(
            t.baselineShareChange?.let { "Time at baseline: ${points(it)} than your last $n shifts." },
            t.activatedShareChange?.let { "Time activated: ${points(it)} than usual." },
            t.returnsPerHourChange?.let { "Returns to baseline: ${"%+.1f".format(Locale.ROOT, it)} per hour against usual." },
            t.loadEndChange?.let { "Load at the end: ${"%+.1f".format(Locale.ROOT, it)} against usual." },
        )
    }

    fun history(rows: List<ShiftRecord>, zone: ZoneId = ZoneId.systemDefault()): List<HistoryRowUi> =
        rows.filter { it.endedMs != null }.sortedByDescending { it.startedMs }.map {
            HistoryRowUi(
                it.id,
                clock(it.startedMs, zone, "EEE d MMM"),
                it.key.durationS?.let(::hoursMinutes) ?: "–",
                it.key.baselineShare?.let { s -> "${"%.0f".format(Locale.ROOT, s * 100)} %" } ?: "–",
                "${it.key.returnsToBaseline ?: 0} returns",
            )
        }
}
