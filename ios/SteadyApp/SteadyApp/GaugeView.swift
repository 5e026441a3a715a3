import SteadyKit
import SwiftUI

/// The live gauge, drawn from `GaugeDisplay` (SteadyKit): number, arc,
/// words and tone are all decided there. Without a reading the arc is empty
/// and the number is a dash, never 0.
struct GaugeView: View {
    let display: GaugeDisplay

    var body: some View {
        VStack(spacing: 16) {
            ZStack {
                Circle()
                    .trim(from: 0.0, to: 0.75)
                    .stroke(Color.secondary.opacity(0.2), style: StrokeStyle(lineWidth: 18, lineCap: .round))
                    .rotationEffect(.degrees(135))
                if let fraction = display.fraction {
                    Circle()
                        .trim(from: 0.0, to: 0.75 * fraction)
                        .stroke(display.tone.color, style: StrokeStyle(lineWidth: 18, lineCap: .round))
                        .rotationEffect(.degrees(135))
                        .animation(.easeOut(duration: 0.6), value: fraction)
                }
                VStack {
                    Text(display.number)
                        .font(.system(size: 56, weight: .semibold, design: .rounded))
                        .monospacedDigit()
                    Text(display.label)
                        .font(.headline)
                        .foregroundStyle(.secondary)
                }
            }
            .frame(width: 240, height: 240)
            .accessibilityElement(children: .combine)
            .accessibilityLabel(display.accessibility)

            if display.learning {
                Label("Learning your baseline", systemImage: "hourglass")
                    .font(.footnote)
                    .foregroundStyle(.secondary)
            }
        }
        .padding()
    }
}

extension GaugeTone {
    var color: Color {
        switch self {
        case .none: return .secondary
        case .calm: return .teal
        case .raised: return .yellow
        case .high: return .orange
        case .moving: return .blue
        }
    }
}
