package org.steady.android

import android.app.PendingIntent
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.Handler
import android.os.HandlerThread
import android.os.IBinder

/**
 * The app's side of [StrapService]: the process-wide core holder.
 * Implemented by the Application, so a service the system restarts after
 * killing the process (START_STICKY, null intent) finds the shift again.
 */
interface StrapServiceHost {
    /**
     * The sink of the running shift; after a process restart, the interrupted
     * shift resumed from the store. `null` when no shift should run (the
     * service then stops itself).
     */
    fun sinkForService(): StrapSink?

    /** The strap the wearer chose (remembered across launches). */
    fun chosenStrapAddress(): String?
}

/**
 * Keeps the strap connection alive for a whole shift while the screen is off:
 * a foreground service of type connectedDevice (Android 14 requires the type
 * in the manifest and the FOREGROUND_SERVICE_CONNECTED_DEVICE permission).
 *
 * It relays only: packets go to the host's sink, and the 5-s model ticks run
 * here on their own thread, whether or not any screen is alive. It is only
 * ever started from the foreground (the app, after the permissions are
 * granted and a strap chosen) or restarted by the system (START_STICKY);
 * never from Application.onCreate.
 */
class StrapService : Service() {
    private var client: StrapGattClient? = null
    private val ticks = HandlerThread("steady-ticks").apply { start() }
    private val tickHandler = Handler(ticks.looper)
    private var tickSink: StrapSink? = null
    private val ticker = object : Runnable {
        override fun run() {
            tickSink?.onTick(clock.nowMs())
            tickHandler.postDelayed(this, TICK_MS)
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
        val host = application as? StrapServiceHost
        val sink = host?.sinkForService()
        val address = intent?.getStringExtra(EXTRA_ADDRESS) ?: host?.chosenStrapAddress()
        if (sink == null || address == null) {
            stopSelf()
            return START_NOT_STICKY
        }
        if (client == null) {
            client = StrapGattClient(this, HrmRelay(sink, clock)).also { it.connect(address) }
            tickSink = sink
            tickHandler.postDelayed(ticker, TICK_MS)
        }
        return START_STICKY
    }

    override fun onDestroy() {
        tickHandler.removeCallbacks(ticker)
        ticks.quitSafely()
        client?.stop()
        client = null
        super.onDestroy()
    }

    override fun onBind(intent: Intent?): IBinder? = null

    /** The thread the model ticks run on, apart from the UI's (tests advance it). */
    val tickLooper: android.os.Looper get() = ticks.looper

    /** The GATT client of this service (tests drive its callbacks). */
    val gattClient: StrapGattClient? get() = client

    private val contentIntent: PendingIntent?
        get() = packageManager.getLaunchIntentForPackage(packageName)?.let {
            PendingIntent.getActivity(this, 0, it, PendingIntent.FLAG_IMMUTABLE)
        }

    companion object {
        const val EXTRA_ADDRESS = "org.steady.extra.STRAP_ADDRESS"

        /** The core notices a silent strap from ticks (it never reads a clock). */
        const val TICK_MS = 5_000L

        /** Stamps packets and ticks; tests pin it to simulated time. */
        @Volatile var clock: Clock = Clock.SYSTEM

        /** From the foreground only (an Activity on screen): Android 12+ refuses background starts. */
        fun start(context: Context, address: String) {
            val intent = Intent(context, StrapService::class.java).putExtra(EXTRA_ADDRESS, address)
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
