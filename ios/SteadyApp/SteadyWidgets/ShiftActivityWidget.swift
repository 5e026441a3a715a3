import ActivityKit
import SteadyKit
import SwiftUI
import WidgetKit

/// Lock Screen and Dynamic Island presentation of the shift's Live Activity
/// (widget extension target). It shows `ShiftActivityContent` as the app
/// worded it; past its stale date (the app stopped updating) it says so
/// instead of showing a frozen gauge.
struct ShiftActivityWidget: Widget {
    var body: some WidgetConfiguration {
        ActivityConfiguration(for: ShiftActivityAttributes.self) { context in
            HStack {
                Text(context.isStale ? "–" : context.state.number)
                    .font(.title.monospacedDigit())
                VStack(alignment: .leading) {
                    Text(context.isStale ? "Not updated: open Steady" : context.state.label).font(.headline)
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
                    Text(context.isStale ? "–" : context.state.number).font(.title2.monospacedDigit())
                }
                DynamicIslandExpandedRegion(.trailing) {
                    Text(context.isStale ? "Not updated" : context.state.label)
                }
            } compactLeading: {
                Image(systemName: "heart")
            } compactTrailing: {
                Text(context.isStale ? "–" : context.state.number).monospacedDigit()
            } minimal: {
                Text(context.isStale ? "–" : context.state.number).monospacedDigit()
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
