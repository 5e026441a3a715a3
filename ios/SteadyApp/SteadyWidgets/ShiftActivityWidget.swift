import ActivityKit
import SteadyKit
import SwiftUI
import WidgetKit

/// Lock Screen and Dynamic Island presentation of the shift's Live Activity
/// (widget extension target). It renders the core's snapshot only.
struct ShiftActivityWidget: Widget {
    var body: some WidgetConfiguration {
        ActivityConfiguration(for: ShiftActivityAttributes.self) { context in
            HStack {
                Text("\(context.state.gauge)")
                    .font(.title.monospacedDigit())
                VStack(alignment: .leading) {
                    Text(context.state.stateLabel).font(.headline)
                    Text(context.attributes.shiftStartedAt, style: .timer)
                        .font(.caption)
                        .foregroundStyle(.secondary)
                }
                Spacer()
                if context.state.promptPending {
                    Image(systemName: "wind")
                }
            }
            .padding()
        } dynamicIsland: { context in
            DynamicIsland {
                DynamicIslandExpandedRegion(.leading) {
                    Text("\(context.state.gauge)").font(.title2.monospacedDigit())
                }
                DynamicIslandExpandedRegion(.trailing) {
                    Text(context.state.stateLabel)
                }
            } compactLeading: {
                Image(systemName: "heart")
            } compactTrailing: {
                Text("\(context.state.gauge)").monospacedDigit()
            } minimal: {
                Text("\(context.state.gauge)").monospacedDigit()
            }
        }
    }
}

@main
struct SteadyWidgets: WidgetBundle {
    var body: some Widget {
        ShiftActivityWidget()
    }
}
