package org.steady.screens

import org.steady.app.state.BreathPhaseUi
import org.steady.app.state.ChartMark
import org.steady.app.state.ChartPoint
import org.steady.app.state.GaugeUi
import org.steady.app.state.HistoryRowUi
import org.steady.app.state.MarkKind
import org.steady.app.state.Pacer
import org.steady.app.state.PromptUi
import org.steady.app.state.ResetEffectUi
import org.steady.app.state.StateTimeUi
import org.steady.app.state.SteadyUi
import org.steady.app.state.StrapLink
import org.steady.app.state.StrapUi
import org.steady.app.state.SummaryUi
import org.steady.app.state.Tone
import org.steady.app.state.hoursMinutes
import org.steady.app.state.toneLabel
import kotlin.math.sin

/**
 * Every screen state the app can show, with fixed values. The summary's
 * series is a fixed, deterministic 12-h shape (no randomness, no clock).
 */
object Fixtures {
    private fun live(link: StrapLink, gauge: Int?, tone: Tone, learning: Boolean = false, silentFor: String? = null) =
        GaugeUi(link, "Polar H10 8C4D21", gauge, tone, learning, "5 h 12 min", "moderate (14.2)", silentFor)

    private val pacer = Pacer(listOf(BreathPhaseUi.IN to 4_000L, BreathPhaseUi.HOLD to 1_000L, BreathPhaseUi.OUT to 6_000L))

    val summary: SummaryUi by lazy {
        val points = (0..720 step 5).map { m ->
            val t = m.toFloat()
            val noSignal = m in 300..330
            val g = 35f + 25f * sin(t / 70f) + 15f * sin(t / 17f) + if (m in 420..520) 25f else 0f
            val gauge = g.coerceIn(0f, 100f)
            val tone = when {
                noSignal -> Tone.NO_SIGNAL
                m in 180..200 -> Tone.ACTIVE
                gauge >= 65 -> Tone.ACTIVATED
                gauge >= 45 -> Tone.ELEVATED
                m > 0 && gauge < 30 -> Tone.BASELINE
                else -> Tone.RECOVERING
            }
            val load = (t / 720f * 18f + 6f * sin(t / 90f)).coerceAtLeast(0f)
            ChartPoint(t, if (noSignal) null else gauge, tone, load)
        }
        SummaryUi(
            title = "Shift of 12 h 00 min",
            span = "Mon 24 Nov, 07:00 – 19:00",
            durationMin = 720f,
            points = points,
            marks = listOf(
                ChartMark(95f, MarkKind.PROMPT), ChartMark(97f, MarkKind.RESET),
                ChartMark(450f, MarkKind.PROMPT), ChartMark(495f, MarkKind.PROMPT), ChartMark(497f, MarkKind.RESET),
            ),
            timeInState = listOf(
                StateTimeUi(Tone.BASELINE, toneLabel(Tone.BASELINE), hoursMinutes(3.2 * 3600), 0.27f),
                StateTimeUi(Tone.ELEVATED, toneLabel(Tone.ELEVATED), hoursMinutes(4.1 * 3600), 0.34f),
                StateTimeUi(Tone.ACTIVATED, toneLabel(Tone.ACTIVATED), hoursMinutes(2.3 * 3600), 0.19f),
                StateTimeUi(Tone.RECOVERING, toneLabel(Tone.RECOVERING), hoursMinutes(1.6 * 3600), 0.13f),
                StateTimeUi(Tone.ACTIVE, toneLabel(Tone.ACTIVE), hoursMinutes(20 * 60.0), 0.03f),
                StateTimeUi(Tone.NO_SIGNAL, toneLabel(Tone.NO_SIGNAL), hoursMinutes(30 * 60.0), 0.04f),
            ),
            returnsToBaseline = 6,
            longestWithoutReturn = hoursMinutes(3 * 3600 + 25 * 60.0),
            load = "heavy at the end (18.4), peak 21.0",
            prompts = "3 offered · 2 resets taken · 1 snoozed",
            resets = listOf(
                ResetEffectUi("08:37", "heart rate −6 bpm, HRV +18 %", "helped"),
                ResetEffectUi("15:17", "heart rate −1 bpm, HRV +2 %", "no clear change"),
            ),
            trend = listOf(
                "Time at baseline: 6 points less than your last 5 shifts.",
                "Time activated: 4 points more than usual.",
                "Returns to baseline: -0.1 per hour against usual.",
                "Load at the end: +3.1 against usual.",
            ),
        )
    }

    /** name -> state, in the order the report lists them. */
    val states: List<Pair<String, SteadyUi>> = listOf(
        "onboarding" to SteadyUi.Onboarding,
        "permission_denied" to SteadyUi.PermissionDenied(false, listOf("nearby devices", "notifications")),
        "permission_denied_forever" to SteadyUi.PermissionDenied(true, listOf("nearby devices")),
        "storage_problem" to SteadyUi.StorageProblem("file is not a database (steady.db)"),
        "strap_picker" to SteadyUi.StrapPicker(
            listOf(
                StrapUi("C4:7C:8D:6A:21:4D", "Polar H10 8C4D21", -58, lastUsed = true),
                StrapUi("E1:02:33:44:55:66", "Garmin HRM-Pro", -71, lastUsed = false),
                StrapUi("D0:11:22:33:44:55", "HRM-Dual", -88, lastUsed = false),
            ),
            scanning = true,
        ),
        "strap_picker_none" to SteadyUi.StrapPicker(emptyList(), scanning = false),
        "waiting_for_strap" to SteadyUi.Live(live(StrapLink.WAITING, null, Tone.NO_SIGNAL, learning = true)),
        "no_signal" to SteadyUi.Live(live(StrapLink.NO_SIGNAL, null, Tone.NO_SIGNAL, silentFor = "3 min")),
        "learning_baseline" to SteadyUi.Live(live(StrapLink.STREAMING, 22, Tone.BASELINE, learning = true)),
        "gauge_baseline" to SteadyUi.Live(live(StrapLink.STREAMING, 18, Tone.BASELINE)),
        "gauge_elevated" to SteadyUi.Live(live(StrapLink.STREAMING, 52, Tone.ELEVATED)),
        "gauge_activated" to SteadyUi.Live(live(StrapLink.STREAMING, 81, Tone.ACTIVATED)),
        "gauge_active" to SteadyUi.Live(live(StrapLink.STREAMING, 60, Tone.ACTIVE)),
        "gauge_recovering" to SteadyUi.Live(live(StrapLink.STREAMING, 41, Tone.RECOVERING)),
        "prompt" to SteadyUi.Live(
            live(StrapLink.STREAMING, 78, Tone.ACTIVATED),
            PromptUi(3, "Time for a 30-second reset?", "You have been running hot for 12 minutes without a break."),
        ),
        "reset_in" to SteadyUi.Reset(pacer.at(2_000)),
        "reset_hold" to SteadyUi.Reset(pacer.at(4_500)),
        "reset_out" to SteadyUi.Reset(pacer.at(7_000)),
        "reset_done" to SteadyUi.Reset(pacer.at(60_000)),
        "summary" to SteadyUi.Summary(summary),
        "summary_first_shift" to SteadyUi.Summary(summary.copy(trend = emptyList(), resets = emptyList())),
        "history" to SteadyUi.History(
            listOf(
                HistoryRowUi(4, "Mon 24 Nov", "12 h 00 min", "27 %", "6 returns"),
                HistoryRowUi(3, "Sat 22 Nov", "11 h 40 min", "35 %", "8 returns"),
                HistoryRowUi(2, "Fri 21 Nov", "8 h 05 min", "41 %", "5 returns"),
            ),
        ),
    )
}
