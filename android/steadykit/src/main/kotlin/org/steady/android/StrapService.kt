package org.steady.android

import android.app.PendingIntent
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder

/**
 * Keeps the strap connection alive for a whole shift while the screen is off:
 * a foreground service of type connectedDevice (Android 14 requires the type
 * in the manifest and the FOREGROUND_SERVICE_CONNECTED_DEVICE permission).
 *
 * It relays only: packets go to [sink] (the app's core holder), prompts come
 * back through [showPrompt]. If Android kills the process, START_STICKY brings
 * the service back and the app resumes the shift from the store.
 */
class StrapService : Service() {
    private var client: StrapGattClient? = null
    private val handler = android.os.Handler(android.os.Looper.getMainLooper())
    private val ticker = object : Runnable {
        override fun run() {
            sink?.onTick(System.currentTimeMillis())
            handler.postDelayed(this, TICK_MS)
        }
    }

    override fun onCreate() {
        super.onCreate()
        Notifications.createChannels(this)
        val notification = Notifications.ongoing(this, "Listening to your strap", contentIntent)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            startForeground(
                Notifications.ONGOING_ID,
                notification,
                ServiceInfo.FOREGROUND_SERVICE_TYPE_CONNECTED_DEVICE,
            )
        } else {
            startForeground(Notifications.ONGOING_ID, notification)
        }
    }

    override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
        val target = sink ?: return START_STICKY.also { stopSelf() }
        if (client == null) {
            val relay = HrmRelay(target)
            client = StrapGattClient(this, relay).also { it.start(intent?.getStringExtra(EXTRA_ADDRESS)) }
            handler.postDelayed(ticker, TICK_MS)
        }
        return START_STICKY
    }

    override fun onDestroy() {
        handler.removeCallbacks(ticker)
        client?.stop()
        client = null
        super.onDestroy()
    }

    override fun onBind(intent: Intent?): IBinder? = null

    private val contentIntent: PendingIntent?
        get() = packageManager.getLaunchIntentForPackage(packageName)?.let {
            PendingIntent.getActivity(this, 0, it, PendingIntent.FLAG_IMMUTABLE)
        }

    companion object {
        const val EXTRA_ADDRESS = "org.steady.extra.STRAP_ADDRESS"

        /** The core notices a silent strap from ticks (it never reads a clock). */
        const val TICK_MS = 5_000L

        /** Set by the app before starting the service (the process-wide core holder). */
        @Volatile var sink: StrapSink? = null

        fun start(context: Context, knownAddress: String? = null) {
            val intent = Intent(context, StrapService::class.java).putExtra(EXTRA_ADDRESS, knownAddress)
            context.startForegroundService(intent)
        }

        fun stop(context: Context) {
            context.stopService(Intent(context, StrapService::class.java))
        }

        /** Posts the reset prompt as a heads-up notification. */
        fun showPrompt(context: Context, content: PromptContent, openReset: PendingIntent) {
            val nm = context.getSystemService(android.app.NotificationManager::class.java) ?: return
            nm.notify(Notifications.PROMPT_ID, Notifications.prompt(context, content, openReset))
        }
    }
}
