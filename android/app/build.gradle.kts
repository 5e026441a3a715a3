plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "org.steady.app"
    compileSdk = 35
    defaultConfig {
        applicationId = "org.steady.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    sourceSets["main"].java.srcDirs("src/main/kotlin")
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":steadykit"))
    implementation(platform("androidx.compose:compose-bom:2025.01.00"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.8.7")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.8.7")
    // ShiftViewModel(Application, SavedStateHandle).
    implementation("androidx.lifecycle:lifecycle-viewmodel-savedstate:2.8.7")
    // StateFlow in the screen logic (app/shell); on the JVM side tests/kotlin
    // uses kotlinx-coroutines-core-jvm of the same version.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}
