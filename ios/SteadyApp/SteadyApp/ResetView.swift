import SteadyKit
import SwiftUI

/// The guided reset, drawn from `ResetScreen` (SteadyKit): the step's word,
/// a circle that fills on in-breaths and empties on out-breaths. Timing,
/// haptic cues and the end are the controller's (`ShiftController.resetTick`).
struct ResetView: View {
    let screen: ResetScreen
    let onStop: () -> Void

    var body: some View {
        VStack(spacing: 32) {
            Text(screen.step?.label ?? "Done")
                .font(.largeTitle.weight(.medium))
            Circle()
                .fill(Color.teal.opacity(0.35))
                .frame(width: 260, height: 260)
                .scaleEffect(screen.step?.expanded == true ? 1.0 : 0.45)
                .animation(.easeInOut(duration: screen.step?.seconds ?? 0.3), value: screen.step?.id)
            HStack {
                Button("Stop", role: .cancel, action: onStop)
                Spacer()
                Text(screen.progress).monospacedDigit().foregroundStyle(.secondary)
            }
            .padding(.horizontal, 32)
        }
    }
}
