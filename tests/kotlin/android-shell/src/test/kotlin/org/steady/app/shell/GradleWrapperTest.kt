package org.steady.app.shell

import org.junit.Assert.assertEquals
import org.junit.Test
import java.io.File
import java.security.MessageDigest
import java.util.Properties

/**
 * The committed Gradle wrapper is the one android/gradle-wrapper writes: the
 * distribution it downloads and that download's sha256 are the script's,
 * and so is the wrapper jar. (`android/gradle-wrapper --check` regenerates
 * and compares every file; it needs Debian's gradle package, this does not.)
 */
class GradleWrapperTest {
    private val android = File(System.getProperty("steady.repo") ?: "../../..", "android")

    private fun pinned(name: String): String {
        val line = File(android, "gradle-wrapper").readLines().single { it.startsWith("$name=") }
        return line.substringAfter("=")
    }

    @Test
    fun `the wrapper downloads the pinned Gradle, checks its sha256, and its jar is the script's`() {
        val props = Properties().apply { File(android, "gradle/wrapper/gradle-wrapper.properties").inputStream().use { load(it) } }
        val version = pinned("GRADLE_VERSION")
        assertEquals("https://services.gradle.org/distributions/gradle-$version-bin.zip", props.getProperty("distributionUrl"))
        assertEquals(pinned("DIST_SHA256"), props.getProperty("distributionSha256Sum"))
        val jar = MessageDigest.getInstance("SHA-256").digest(File(android, "gradle/wrapper/gradle-wrapper.jar").readBytes())
        assertEquals(pinned("WRAPPER_JAR_SHA256"), jar.joinToString("") { "%02x".format(it) })
    }
}
