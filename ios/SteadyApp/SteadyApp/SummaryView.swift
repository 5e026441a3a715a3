import SteadyKit
import SwiftUI

/// The shift summary: `SummaryScreen`'s lines (SteadyKit), nothing
/// recomputed. Export opens the share sheet; Done goes back to "Start shift".
struct SummaryView: View {
    let lines: [SummaryLine]
    let onExport: () -> Void
    let onDone: () -> Void

    var body: some View {
        NavigationStack {
            List(lines) { line in
                LabeledContent(line.title, value: line.value)
            }
            .navigationTitle("Shift summary")
            .toolbar {
                ToolbarItem(placement: .primaryAction) {
                    Button("Export", systemImage: "square.and.arrow.up", action: onExport)
                }
                ToolbarItem(placement: .cancellationAction) {
                    Button("Done", action: onDone)
                }
            }
        }
    }
}
