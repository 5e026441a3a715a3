import SwiftUI

/// The live gauge: 0-100 distance from the wearer's own baseline, with the
/// core's state label. Everything shown comes from the core's snapshot.
struct GaugeView: View {
    let gauge: Int
    let stateLabel: String
    let learningBaseline: Bool
    let strapState: String

    var body: some View {
        VStack(spacing: 16) {
            ZStack {
                Circle()
                    .trim(from: 0.0, to: 0.75)
                    .stroke(Color.secondary.opacity(0.2), style: StrokeStyle(lineWidth: 18, lineCap: .round))
                    .rotationEffect(.degrees(135))
                Circle()
                    .trim(from: 0.0, to: 0.75 * Double(min(max(gauge, 0), 100)) / 100.0)
                    .stroke(tint, style: StrokeStyle(lineWidth: 18, lineCap: .round))
                    .rotationEffect(.degrees(135))
                    .animation(.easeOut(duration: 0.6), value: gauge)
                VStack {
                    Text("\(gauge)")
                        .font(.system(size: 56, weight: .semibold, design: .rounded))
                        .monospacedDigit()
                    Text(stateLabel)
                        .font(.headline)
                        .foregroundStyle(.secondary)
                }
            }
            .frame(width: 240, height: 240)
            .accessibilityElement(children: .combine)
            .accessibilityLabel("Activation \(gauge) of 100, \(stateLabel)")

            if learningBaseline {
                Label("Learning your baseline", systemImage: "hourglass")
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
            Label("Strap: \(strapState)", systemImage: "heart.circle")
                .font(.footnote)
                .foregroundStyle(.secondary)
        }
        .padding()
    }

    private var tint: Color {
        switch gauge {
        case ..<30: return .teal
        case ..<60: return .yellow
        default: return .orange
        }
    }
}

#Preview {
    GaugeView(gauge: 42, stateLabel: "elevated", learningBaseline: true, strapState: "streaming")
}
