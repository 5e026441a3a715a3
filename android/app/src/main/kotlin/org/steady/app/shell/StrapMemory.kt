package org.steady.app.shell

import android.content.SharedPreferences

/** The strap the wearer chose, kept across launches so Steady connects only to it. */
class StrapMemory(private val prefs: SharedPreferences) {
    val address: String? get() = prefs.getString(KEY_ADDRESS, null)
    val name: String? get() = prefs.getString(KEY_NAME, null)

    fun remember(address: String, name: String?) {
        prefs.edit().putString(KEY_ADDRESS, address).putString(KEY_NAME, name).apply()
    }

    fun forget() {
        prefs.edit().remove(KEY_ADDRESS).remove(KEY_NAME).apply()
    }

    companion object {
        const val FILE = "steady.strap"
        private const val KEY_ADDRESS = "address"
        private const val KEY_NAME = "name"
    }
}
