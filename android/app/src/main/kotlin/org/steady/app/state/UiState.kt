package org.steady.app.state

/*
 * What the screens show, as plain values. The screens take these and
 * callbacks, nothing else (no Activity, no Context, no bindings), so they
 * compile and render on a desktop JVM too (tests/kotlin/screens). The app's
 * ShiftViewModel fills them from the core's events and records.
 */

/** The one screen on show; [SteadyApp] draws it. */
sealed interface SteadyUi {
    /** First launch: why Steady needs the strap and notifications, before asking. */
    data object Onboarding : SteadyUi

    /** A permission was refused; [forever] when Android will no longer ask (settings only). */
    data class PermissionDenied(val forever: Boolean, val missing: List<String>) : SteadyUi

    /** The health database could not be opened: nothing is started, the wearer chooses. */
    data class StorageProblem(val detail: String, val exportMessage: String? = null) : SteadyUi

    /** Choose the strap to use; the choice is remembered. */
    data class StrapPicker(val straps: List<StrapUi>, val scanning: Boolean) : SteadyUi

    /** A shift is running: the gauge, and the prompt when the core offers one. */
    data class Live(val gauge: GaugeUi, val prompt: PromptUi? = null) : SteadyUi

    /** The guided reset. */
    data class Reset(val pacer: PacerUi) : SteadyUi

    /** The end-of-shift summary. */
    data class Summary(val summary: SummaryUi) : SteadyUi

    /** Earlier shifts. */
    data class History(val rows: List<HistoryRowUi>) : SteadyUi
}

/** A strap seen while scanning. */
data class StrapUi(
    val address: String,
    val name: String,
    /** Signal strength (dBm) from the scan, `null` when only remembered. */
    val rssiDbm: Int?,
    val lastUsed: Boolean,
)

/** The connection as the wearer should understand it. */
enum class StrapLink {
    /** Looking for or connecting to the chosen strap; nothing measured yet. */
    WAITING,

    /** Beats arriving. */
    STREAMING,

    /** The strap went quiet (out of range, dry electrode): no reading, never "calm". */
    NO_SIGNAL,
}

/** The core's activation states, as the screens colour them. */
enum class Tone { BASELINE, ELEVATED, ACTIVATED, ACTIVE, RECOVERING, NO_SIGNAL }

data class GaugeUi(
    val link: StrapLink,
    val strapName: String?,
    /** 0..100, `null` before the first reading or without signal. */
    val gauge: Int?,
    val tone: Tone,
    /** The baseline is still the population prior (first minutes of the first shifts). */
    val learning: Boolean,
    /** "2 h 05 min" into the shift. */
    val elapsed: String,
    /** Unrecovered load now, worded ("light", "building", "heavy") with its number. */
    val load: String,
    /** "3 min ago" when the signal was lost, else `null`. */
    val silentFor: String? = null,
)

/** The core's reset prompt, worded. */
data class PromptUi(val id: Long, val title: String, val text: String)

/** The guided reset at one moment (see [Pacer]). */
data class PacerUi(
    val phase: BreathPhaseUi,
    /** Seconds left in this phase, rounded up. */
    val secondsLeft: Int,
    /** 1-based step and the number of steps. */
    val step: Int,
    val steps: Int,
    /** Circle size 0..1 at this moment. */
    val size: Float,
)

enum class BreathPhaseUi(val label: String) {
    IN("Breathe in"),
    HOLD("Hold"),
    OUT("Breathe out"),
    DONE("Done"),
}

/** One point of the shift chart: minutes since the start. */
data class ChartPoint(val minute: Float, val gauge: Float?, val tone: Tone, val load: Float)

enum class MarkKind { PROMPT, RESET }

data class ChartMark(val minute: Float, val kind: MarkKind)

data class StateTimeUi(val tone: Tone, val label: String, val duration: String, val share: Float)

data class ResetEffectUi(val at: String, val effect: String, val verdict: String)

data class SummaryUi(
    /** "Shift of 12 h 0 min" */
    val title: String,
    /** "07:00 – 19:00" */
    val span: String,
    val durationMin: Float,
    val points: List<ChartPoint>,
    val marks: List<ChartMark>,
    val timeInState: List<StateTimeUi>,
    val returnsToBaseline: Int,
    val longestWithoutReturn: String,
    val load: String,
    val prompts: String,
    val resets: List<ResetEffectUi>,
    /** "More time at baseline than your last 5 shifts (+8 points)"; empty before there is history. */
    val trend: List<String>,
    val exportMessage: String? = null,
)

data class HistoryRowUi(val id: Long, val date: String, val duration: String, val baselineShare: String, val returns: String)

/** Everything the wearer can do; the app's ViewModel implements it. */
interface UiActions {
    fun continueOnboarding() {}
    fun openSettings() {}
    fun pickStrap(address: String) {}
    fun rescan() {}
    fun startReset() {}
    fun snoozePrompt() {}
    fun dismissPrompt() {}
    fun stopReset() {}
    fun endShift() {}
    fun export() {}
    fun done() {}
    fun showHistory() {}
    fun back() {}
    fun exportDamaged() {}
    fun resetDamaged() {}
}
