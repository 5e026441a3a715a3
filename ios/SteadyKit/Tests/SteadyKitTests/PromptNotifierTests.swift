#if canImport(UserNotifications)
import UserNotifications
import XCTest
@testable import SteadyKit

final class PromptNotifierTests: XCTestCase {
    func testPromptIsTimeSensitiveWithThreeActions() {
        let c = PromptNotifier.content(for: PromptContent(promptId: 7, title: "Still running hot", body: "30 s reset?"))
        XCTAssertEqual(c.interruptionLevel, .timeSensitive)
        XCTAssertEqual(c.categoryIdentifier, PromptNotifier.categoryId)
        XCTAssertEqual(c.userInfo["promptId"] as? Int64, 7)
        let actions = PromptNotifier.category().actions.map(\.identifier)
        XCTAssertEqual(actions, [
            PromptAction.startReset.rawValue,
            PromptAction.snooze.rawValue,
            PromptAction.dismiss.rawValue,
        ])
    }
}
#endif
