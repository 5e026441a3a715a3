package org.steady.app.shell

import android.Manifest
import android.os.Build

/**
 * The runtime permissions a shift needs, per Android version, and what a
 * refusal means. Decisions only; the Activity asks and reports back.
 */
object Permissions {
    /** What to ask for on [sdk]: the strap (scan + connect, or location on 11 and older) and notifications (13+). */
    fun required(sdk: Int = Build.VERSION.SDK_INT): List<String> = buildList {
        if (sdk >= Build.VERSION_CODES.S) {
            add(Manifest.permission.BLUETOOTH_SCAN)
            add(Manifest.permission.BLUETOOTH_CONNECT)
        } else {
            add(Manifest.permission.ACCESS_FINE_LOCATION)
        }
        if (sdk >= Build.VERSION_CODES.TIRAMISU) add(Manifest.permission.POST_NOTIFICATIONS)
    }

    /** The words for the denied screen. */
    fun describe(permission: String): String = when (permission) {
        Manifest.permission.POST_NOTIFICATIONS -> "notifications"
        else -> "nearby devices"
    }

    sealed interface Outcome {
        data object Granted : Outcome

        /** [forever]: Android will not show the dialog again ("don't ask again", or two refusals). */
        data class Denied(val missing: List<String>, val forever: Boolean) : Outcome
    }

    /**
     * After the system dialog: [granted] per permission, and whether Android
     * would still show a rationale for it. A refused permission without a
     * rationale can no longer be asked for: only Settings can grant it.
     */
    fun outcome(granted: Map<String, Boolean>, showRationale: (String) -> Boolean): Outcome {
        val missing = granted.filterValues { !it }.keys.toList()
        if (missing.isEmpty()) return Outcome.Granted
        return Outcome.Denied(missing, forever = missing.any { !showRationale(it) })
    }
}
