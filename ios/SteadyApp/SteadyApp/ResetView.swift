import SwiftUI

/// One phase of the guided reset, as the core's protocol describes it.
struct BreathStep: Identifiable, Hashable {
    let id: Int
    let label: String
    let seconds: Double
}

/// The guided 30-second reset: a circle that grows on the in-breath and
/// shrinks on the out-breath, paced by the core's protocol phases, with a
/// haptic tap at each phase change. It reports finish or cancel; the core
/// measures whether the reset helped.
struct ResetView: View {
    let steps: [BreathStep]
    let onFinish: () -> Void
    let onCancel: () -> Void

    @State private var index = 0
    @State private var expanded = false

    var body: some View {
        VStack(spacing: 32) {
            Text(current?.label ?? "Done")
                .font(.largeTitle.weight(.medium))
            Circle()
                .fill(Color.teal.opacity(0.35))
                .frame(width: 260, height: 260)
                .scaleEffect(expanded ? 1.0 : 0.45)
                .animation(.easeInOut(duration: current?.seconds ?? 0.3), value: expanded)
            HStack {
                Button("Stop", role: .cancel, action: onCancel)
                Spacer()
                Text("\(index + 1) / \(steps.count)").monospacedDigit().foregroundStyle(.secondary)
            }
            .padding(.horizontal, 32)
        }
        .task { await run() }
        .sensoryFeedback(.impact(weight: .light), trigger: index)
    }

    private var current: BreathStep? { steps.indices.contains(index) ? steps[index] : nil }

    @MainActor
    private func run() async {
        for (i, step) in steps.enumerated() {
            index = i
            expanded = step.label.lowercased().hasPrefix("in")
            try? await Task.sleep(for: .seconds(step.seconds))
            if Task.isCancelled { return }
        }
        onFinish()
    }
}

#Preview {
    ResetView(
        steps: [
            BreathStep(id: 0, label: "In", seconds: 4),
            BreathStep(id: 1, label: "Out", seconds: 6),
        ],
        onFinish: {},
        onCancel: {}
    )
}
