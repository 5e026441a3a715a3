import SwiftUI

/// One line of the end-of-shift summary, already worded by the core.
struct SummaryLine: Identifiable, Hashable {
    let id: Int
    let title: String
    let value: String
}

/// The shift summary: what the core's summary says, nothing recomputed.
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

#Preview {
    SummaryView(
        lines: [
            SummaryLine(id: 0, title: "Time activated", value: "42 min"),
            SummaryLine(id: 1, title: "Resets", value: "2 (1 calmer)"),
        ],
        onExport: {},
        onDone: {}
    )
}
