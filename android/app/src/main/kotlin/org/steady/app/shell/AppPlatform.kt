package org.steady.app.shell

import android.app.NotificationManager
import android.content.Context
import android.content.pm.PackageManager
import android.os.Vibrator
import org.steady.android.BreathCue
import org.steady.android.HrmRelay
import org.steady.android.Notifications
import org.steady.android.ResetHaptics
import org.steady.android.SeenStrap
import org.steady.android.StrapGattClient
import org.steady.android.StrapService
import org.steady.android.StrapSink
import org.steady.android.StrapState
import org.steady.app.state.BreathPhaseUi
import java.io.File

/** [ShellPlatform] over the application context. */
class AppPlatform(private val context: Context) : ShellPlatform {
    private var scanner: StrapGattClient? = null
    private val haptics by lazy { ResetHaptics(context.getSystemService(Vibrator::class.java)) }

    override fun missingPermissions(): List<String> =
        Permissions.required().filter { context.checkSelfPermission(it) != PackageManager.PERMISSION_GRANTED }

    override fun startService(address: String) = StrapService.start(context, address)

    override fun stopService() = StrapService.stop(context)

    override fun cancelPrompt() {
        context.getSystemService(NotificationManager::class.java)?.cancel(Notifications.PROMPT_ID)
    }

    override fun scan(onSeen: (List<SeenStrap>) -> Unit) {
        // The picker's scan: a client that only lists straps (its relay goes nowhere).
        val quiet = object : StrapSink {
            override fun onHeartRatePacket(bytes: ByteArray, atMs: Long) = Unit
            override fun onStrapState(state: StrapState, atMs: Long) = Unit
        }
        scanner = StrapGattClient(context, HrmRelay(quiet), onSeen).also { it.scan() }
    }

    override fun stopScan() {
        scanner?.stopScan()
        scanner = null
    }

    override fun exportFile(name: String): File = File(context.getExternalFilesDir(null) ?: context.filesDir, name)

    override fun cue(phase: BreathPhaseUi) = haptics.cue(
        when (phase) {
            BreathPhaseUi.IN -> BreathCue.INHALE
            BreathPhaseUi.DONE -> BreathCue.DONE
            else -> BreathCue.EXHALE
        },
    )
}
