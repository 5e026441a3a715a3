package org.steady.app

import android.content.Intent
import android.os.Bundle
import android.os.Vibrator
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.delay
import org.steady.android.BreathCue
import org.steady.android.Notifications
import org.steady.android.ResetHaptics
import org.steady.core.BreathKind
import org.steady.core.ShiftSummary
import org.steady.ffi.ExportFormat
import org.steady.ffi.UserAction
import org.steady.ffi.resetProtocols

private enum class Screen { GAUGE, RESET, SUMMARY }

/** One activity, three screens; everything shown comes from the core. */
class MainActivity : ComponentActivity() {
    private val app get() = application as SteadyApplication
    private var screen by mutableStateOf(Screen.GAUGE)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        app.startShift()
        handle(intent)
        val haptics = ResetHaptics(getSystemService(Vibrator::class.java))
        setContent {
            MaterialTheme {
                Surface {
                    val events by app.events.collectAsStateWithLifecycle()
                    var gauge by remember { mutableStateOf(gaugeUi()) }
                    var summary by remember { mutableStateOf<ShiftSummary?>(null) }
                    LaunchedEffect(events) { gauge = gaugeUi() }
                    LaunchedEffect(Unit) {
                        while (true) { gauge = gaugeUi(); delay(1_000) }
                    }
                    when (screen) {
                        Screen.GAUGE -> GaugeScreen(
                            gauge,
                            onStartReset = { startReset() },
                            onEndShift = {
                                app.endShift()
                                summary = app.shift?.summary()
                                screen = Screen.SUMMARY
                            },
                        )
                        Screen.RESET -> ResetScreen(
                            steps = breathSteps(),
                            onCue = { step ->
                                haptics.cue(
                                    when {
                                        step == null -> BreathCue.DONE
                                        step.inhale -> BreathCue.INHALE
                                        else -> BreathCue.EXHALE
                                    },
                                )
                            },
                            onFinish = { action(UserAction.FinishReset); screen = Screen.GAUGE },
                            onCancel = { action(UserAction.AbandonReset); screen = Screen.GAUGE },
                        )
                        Screen.SUMMARY -> SummaryScreen(
                            lines = summaryLines(summary),
                            onExport = { export() },
                            onDone = { app.forgetEndedShift(); finish() },
                        )
                    }
                }
            }
        }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handle(intent)
    }

    /** "Start reset" from the prompt notification opens the reset screen. */
    private fun handle(intent: Intent?) {
        if (intent?.action == Notifications.ACTION_START_RESET) startReset()
    }

    private fun startReset() {
        action(UserAction.StartReset("paced_4_6"))
        screen = Screen.RESET
    }

    /** Writes the shift as JSON into the app's own external folder (the user moves it on). */
    private fun export() {
        val id = app.shift?.snapshot()?.shiftId ?: return
        val out = java.io.File(getExternalFilesDir(null), "steady-shift-$id.json")
        val msg = try {
            app.store.export(id, ExportFormat.JSON, out.path)
            "Saved ${out.name}"
        } catch (e: org.steady.ffi.SteadyException) {
            "Export failed: ${e.message}"
        }
        android.widget.Toast.makeText(this, msg, android.widget.Toast.LENGTH_LONG).show()
    }

    private fun action(a: UserAction) {
        try {
            app.shift?.userAction(System.currentTimeMillis(), a)
        } catch (e: org.steady.ffi.SteadyException) {
            // the core refused it (e.g. nothing to finish): nothing to undo
        }
    }

    private fun gaugeUi(): GaugeUi {
        val s = app.shift?.snapshot()
        val latest = s?.latest
        return GaugeUi(
            gauge = latest?.gauge?.toInt(),
            stateLabel = latest?.state?.name?.lowercase()?.replace('_', ' ') ?: "waiting for the strap",
            learning = latest?.learning ?: true,
            strap = if (latest?.gauge == null) "no signal" else "streaming",
            load = s?.load ?: 0.0,
        )
    }

    private fun breathSteps(): List<BreathUi> =
        resetProtocols().first { it.id == "paced_4_6" }.phases.map {
            val inhale = it.kind == BreathKind.INHALE || it.kind == BreathKind.TOP_UP_INHALE
            BreathUi(if (inhale) "Breathe in" else if (it.kind == BreathKind.HOLD) "Hold" else "Breathe out", it.durationMs.toDouble() / 1000.0, inhale)
        }

    private fun summaryLines(s: ShiftSummary?): List<SummaryLineUi> {
        if (s == null) return emptyList()
        fun min(sec: Double) = "%.0f min".format(sec / 60.0)
        return listOf(
            SummaryLineUi("Shift", min(s.durationS)),
            SummaryLineUi("At baseline", min(s.timeIn.baselineS)),
            SummaryLineUi("Activated", min(s.timeIn.activatedS)),
            SummaryLineUi("Returns to baseline", s.returnsToBaseline.toString()),
            SummaryLineUi("Load at the end", "%.1f".format(s.loadEnd)),
            SummaryLineUi("Resets offered / taken", "${s.promptsOffered} / ${s.promptsTaken}"),
        )
    }
}
