package org.steady.app.shell

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import org.steady.android.Clock
import org.steady.android.Notifications
import org.steady.android.SeenStrap
import org.steady.android.StrapState
import org.steady.app.state.BreathPhaseUi
import org.steady.app.state.GaugeUi
import org.steady.app.state.Pacer
import org.steady.app.state.PromptUi
import org.steady.app.state.SteadyUi
import org.steady.app.state.StrapLink
import org.steady.app.state.StrapUi
import org.steady.app.state.SummaryUi
import org.steady.app.state.Tone
import org.steady.app.state.UiActions
import org.steady.app.state.ago
import org.steady.app.state.hoursMinutes
import org.steady.core.GaugeUpdate
import org.steady.core.ShiftEvent
import org.steady.ffi.UserAction
import java.io.File

/** Key-value state that survives the Activity (and process death): SavedStateHandle in the app. */
interface SavedValues {
    operator fun get(key: String): Any?
    operator fun set(key: String, value: Any?)
}

/** A plain map, for tests and for a ViewModel without saved state. */
class MapSavedValues(private val map: MutableMap<String, Any?> = HashMap()) : SavedValues {
    override fun get(key: String) = map[key]
    override fun set(key: String, value: Any?) {
        map[key] = value
    }
}

/** What the controller asks of Android; the Activity/Application implement it. */
interface ShellPlatform {
    fun missingPermissions(): List<String>
    fun startService(address: String)
    fun stopService()
    fun cancelPrompt()
    fun scan(onSeen: (List<SeenStrap>) -> Unit)
    fun stopScan()
    fun exportFile(name: String): File
    fun cue(phase: BreathPhaseUi) {}
}

/**
 * The app's screen logic, outside any Activity: which screen shows, what it
 * shows, and what each tap does. Held by the ViewModel, so a rotation or a
 * recreated Activity keeps it; what must outlive the process sits in
 * [saved] (the screen, the reset's start time, the prompt already handled).
 *
 * The UI is driven by the core's events ([onEvents]); nothing polls. While
 * no screen is visible ([onVisible] false) events only update the last-known
 * values; the one snapshot read happens when a screen comes back.
 */
class ShiftController(
    private val core: CoreHolder,
    private val straps: StrapMemory,
    private val platform: ShellPlatform,
    private val saved: SavedValues,
    private val clock: Clock = Clock.SYSTEM,
) : UiActions {
    private val _ui = MutableStateFlow<SteadyUi>(SteadyUi.Onboarding)
    val ui: StateFlow<SteadyUi> = _ui

    private var visible = false
    private var denied: Permissions.Outcome.Denied? = null
    private var seen: List<SeenStrap> = emptyList()
    private var scanning = false
    private var latest: GaugeUpdate? = null
    private var link = StrapLink.WAITING
    private var lostAtMs: Long? = null
    private var summary: SummaryUi? = null
    private var exportMessage: String? = null
    private var lastCue: BreathPhaseUi? = null
    private val pacer: Pacer by lazy { core.pacer() }

    /** Leaves the screen (the Activity finishes); set by the screen host. */
    var onLeave: () -> Unit = {}

    private var screen: String
        get() = saved[KEY_SCREEN] as? String ?: LIVE
        set(v) {
            saved[KEY_SCREEN] = v
        }

    fun onVisible(v: Boolean) {
        visible = v
        if (v) {
            core.snapshot()?.let { latest = it.latest ?: latest }
            route()
        } else if (scanning) {
            platform.stopScan()
            scanning = false
        }
    }

    fun onPermissionOutcome(outcome: Permissions.Outcome) {
        denied = outcome as? Permissions.Outcome.Denied
        route()
    }

    /**
     * An Activity intent: "Start reset" from the prompt notification. Handled
     * once per prompt, however often the Activity is recreated with it.
     */
    fun onIntent(action: String?, promptId: Long) {
        if (action != Notifications.ACTION_START_RESET) return
        if (saved[KEY_HANDLED_PROMPT] == promptId) return platform.cancelPrompt()
        saved[KEY_HANDLED_PROMPT] = promptId
        startReset()
    }

    /** The core's events, on the main thread. */
    fun onEvents(events: List<ShiftEvent>) {
        for (e in events) when (e) {
            is ShiftEvent.Gauge -> {
                latest = e.update
                when {
                    e.update.state == org.steady.core.ActivationState.NO_SIGNAL -> {
                        link = StrapLink.NO_SIGNAL
                        lostAtMs = lostAtMs ?: e.update.tMs
                    }
                    e.update.gauge != null -> {
                        link = StrapLink.STREAMING
                        lostAtMs = null
                    }
                }
            }
            is ShiftEvent.SignalLost -> {
                link = StrapLink.NO_SIGNAL
                lostAtMs = e.tMs
            }
            is ShiftEvent.SignalRestored -> {
                link = StrapLink.STREAMING
                lostAtMs = null
            }
            else -> Unit // a prompt: the card reads the core's open prompt (CoreHolder.openPrompt)
        }
        if (visible) route()
    }

    fun onStrapState(state: StrapState) {
        link = when (state) {
            StrapState.STREAMING -> if (latest?.gauge == null && lostAtMs != null) StrapLink.NO_SIGNAL else StrapLink.STREAMING
            StrapState.DISCONNECTED -> if (latest != null) StrapLink.NO_SIGNAL else StrapLink.WAITING
            else -> if (latest != null) StrapLink.NO_SIGNAL else StrapLink.WAITING
        }
        if (visible) route()
    }

    /** A display frame during the reset: advance the pacer, finish at the end. */
    fun onFrame() {
        if (screen != RESET || !visible) return
        val start = saved[KEY_RESET_START] as? Long ?: return
        val p = pacer.at(clock.nowMs() - start)
        if (p.phase != lastCue) {
            lastCue = p.phase
            platform.cue(p.phase)
        }
        if (p.phase == BreathPhaseUi.DONE) {
            core.act(clock.nowMs(), UserAction.FinishReset)
            saved[KEY_RESET_START] = null
            screen = LIVE
        }
        route()
    }

    private fun route() {
        val next: SteadyUi = when {
            core.problem != null -> SteadyUi.StorageProblem(core.problem ?: "", exportMessage)
            platform.missingPermissions().isNotEmpty() -> denied?.let {
                SteadyUi.PermissionDenied(it.forever, it.missing.map(Permissions::describe).distinct())
            } ?: SteadyUi.Onboarding
            screen == SUMMARY -> summary?.let { SteadyUi.Summary(it.copy(exportMessage = exportMessage)) } ?: history()
            screen == HISTORY -> history()
            straps.address == null -> picker()
            else -> live()
        }
        _ui.value = next
    }

    private fun history() = SteadyUi.History(UiMapping.history(core.history()))

    private fun picker(): SteadyUi {
        if (!scanning && visible) {
            scanning = true
            platform.scan { list ->
                seen = list
                if (visible) route()
            }
        }
        val remembered = straps.address
        return SteadyUi.StrapPicker(
            seen.sortedByDescending { it.rssiDbm }.map { StrapUi(it.address, it.name ?: "Heart-rate strap", it.rssiDbm, it.address == remembered) },
            scanning,
        )
    }

    private fun live(): SteadyUi {
        val address = straps.address ?: return picker()
        if (core.shift == null) {
            core.startOrResume(clock.nowMs()) ?: return SteadyUi.StorageProblem(core.problem ?: "could not start a shift")
            platform.startService(address)
        }
        if (screen == RESET) {
            val start = saved[KEY_RESET_START] as? Long ?: clock.nowMs()
            return SteadyUi.Reset(pacer.at(clock.nowMs() - start))
        }
        val l = latest
        val now = l?.tMs ?: clock.nowMs()
        val started = core.startedMs ?: now
        val gauge = GaugeUi(
            link = if (l?.gauge == null && link == StrapLink.STREAMING) StrapLink.WAITING else link,
            strapName = straps.name,
            gauge = l?.gauge?.toInt(),
            tone = l?.let { UiMapping.tone(it.state) } ?: Tone.NO_SIGNAL,
            learning = l?.learning ?: true,
            elapsed = hoursMinutes((now - started) / 1000.0),
            load = UiMapping.load(l?.load ?: 0.0),
            silentFor = lostAtMs?.let { ago((now - it) / 1000.0) },
        )
        return SteadyUi.Live(gauge, core.openPrompt?.let { PromptUi(it.promptId, it.title, it.text) })
    }

    // --- what the wearer does -------------------------------------------

    override fun pickStrap(address: String) {
        val s = seen.firstOrNull { it.address == address }
        straps.remember(address, s?.name ?: "Heart-rate strap")
        platform.stopScan()
        scanning = false
        screen = LIVE
        route()
    }

    override fun rescan() {
        platform.stopScan()
        scanning = false
        seen = emptyList()
        route()
    }

    override fun startReset() {
        if (screen == RESET) return
        core.act(clock.nowMs(), UserAction.StartReset(CoreHolder.RESET_PROTOCOL))
        platform.cancelPrompt()
        saved[KEY_RESET_START] = clock.nowMs()
        lastCue = null
        screen = RESET
        route()
    }

    override fun snoozePrompt() = answer(UserAction.Snooze(0u))

    override fun dismissPrompt() = answer(UserAction.DismissPrompt)

    private fun answer(a: UserAction) {
        core.act(clock.nowMs(), a)
        platform.cancelPrompt()
        route()
    }

    override fun stopReset() {
        if (screen != RESET) return
        val start = saved[KEY_RESET_START] as? Long
        val done = start != null && pacer.at(clock.nowMs() - start).phase == BreathPhaseUi.DONE
        core.act(clock.nowMs(), if (done) UserAction.FinishReset else UserAction.AbandonReset)
        saved[KEY_RESET_START] = null
        screen = LIVE
        route()
    }

    /** Idempotent: a second tap (or a recreated screen) shows the same summary. */
    override fun endShift() {
        val s = core.end(clock.nowMs())
        platform.stopService()
        platform.cancelPrompt()
        if (s != null && summary == null) summary = UiMapping.summary(s, core.gaugeSeries())
        screen = SUMMARY
        route()
    }

    override fun export() {
        val id = core.snapshot()?.shiftId
        exportMessage = core.export(platform.exportFile("steady-shift-${id ?: "unknown"}.json"))
        route()
    }

    override fun done() {
        core.forget()
        summary = null
        latest = null
        exportMessage = null
        link = StrapLink.WAITING
        screen = HISTORY
        route()
    }

    override fun showHistory() {
        screen = HISTORY
        route()
    }

    /**
     * Back to the summary just shown, else to the running shift. After Done
     * there is neither: the screen is left ([onLeave]) and nothing starts; a
     * new shift starts when Steady is opened again.
     */
    override fun back() {
        when {
            summary != null -> screen = SUMMARY
            core.shift != null -> screen = LIVE
            else -> return onLeave()
        }
        route()
    }

    override fun exportDamaged() {
        exportMessage = try {
            val f = core.copyDatabase(platform.exportFile("steady-damaged.db"))
            "Saved a copy as ${f.name}"
        } catch (e: Exception) {
            "Could not copy the file: ${e.message}"
        }
        route()
    }

    override fun resetDamaged() {
        core.deleteAndReopen()
        exportMessage = null
        route()
    }

    companion object {
        const val KEY_SCREEN = "steady.screen"
        const val KEY_RESET_START = "steady.resetStartMs"
        const val KEY_HANDLED_PROMPT = "steady.handledPrompt"
        private const val LIVE = "live"
        private const val RESET = "reset"
        private const val SUMMARY = "summary"
        private const val HISTORY = "history"
    }
}
