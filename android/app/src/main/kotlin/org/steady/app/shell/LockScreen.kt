package org.steady.app.shell

import android.app.Activity
import android.os.Build
import android.view.WindowManager

/**
 * "Start reset" from a prompt on the lock screen opens the reset over the
 * lock screen, screen on, without unlocking. Only the reset: every other
 * screen (gauge, summary, history) stays behind the lock, it is health data.
 */
object LockScreen {
    @Suppress("DEPRECATION")
    fun showOverLock(activity: Activity, on: Boolean) {
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O_MR1) {
            activity.setShowWhenLocked(on)
            activity.setTurnScreenOn(on)
        } else {
            val flags = WindowManager.LayoutParams.FLAG_SHOW_WHEN_LOCKED or WindowManager.LayoutParams.FLAG_TURN_SCREEN_ON
            if (on) activity.window.addFlags(flags) else activity.window.clearFlags(flags)
        }
    }
}
