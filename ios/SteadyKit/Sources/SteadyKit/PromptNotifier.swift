#if canImport(UserNotifications)
import Foundation
import UserNotifications

/// Posts the reset prompt as a time-sensitive notification (it may break
/// through a Focus; needs the Time Sensitive Notifications capability,
/// `com.apple.developer.usernotifications.time-sensitive`), with actions to
/// start the reset, snooze or dismiss without opening the app, and reports
/// every response, a swipe included (`.customDismissAction`). It decides
/// nothing: `PromptDesk` (through `ShiftController.respond`) does.
///
/// Create it at launch (`application(_:didFinishLaunchingWithOptions:)`):
/// iOS delivers the response that relaunched the app to the delegate set
/// by then.
public final class PromptNotifier: NSObject, UNUserNotificationCenterDelegate, PromptPresenting {
    public static let categoryId = "org.steady.prompt"
    static let promptIdKey = "promptId"

    private let center: UNUserNotificationCenter
    /// Set by the app once the controller exists; responses that came
    /// earlier wait in `early`.
    public var onResponse: ((PromptResponse, Int64) -> Void)? {
        didSet { flushEarly() }
    }
    private var early: [(PromptResponse, Int64)] = []

    public init(center: UNUserNotificationCenter = .current()) {
        self.center = center
        super.init()
        center.delegate = self
        center.setNotificationCategories([Self.category()])
    }

    static func category() -> UNNotificationCategory {
        UNNotificationCategory(
            identifier: categoryId,
            actions: [
                UNNotificationAction(identifier: PromptResponse.startReset.rawValue,
                                     title: "Start reset", options: [.foreground]),
                UNNotificationAction(identifier: PromptResponse.snooze.rawValue, title: "Snooze", options: []),
                UNNotificationAction(identifier: PromptResponse.notNow.rawValue, title: "Not now", options: []),
            ],
            intentIdentifiers: [],
            options: [.customDismissAction]
        )
    }

    public func requestAuthorization() async throws -> Bool {
        try await center.requestAuthorization(options: [.alert, .sound])
    }

    /// The notification content, built apart from posting so it can be tested.
    public static func content(for prompt: PromptContent) -> UNMutableNotificationContent {
        let c = UNMutableNotificationContent()
        c.title = prompt.title
        c.body = prompt.body
        c.categoryIdentifier = categoryId
        c.sound = .default
        c.interruptionLevel = .timeSensitive
        c.relevanceScore = 1.0
        c.userInfo = [promptIdKey: NSNumber(value: prompt.promptId)]
        return c
    }

    static func identifier(_ promptId: Int64) -> String { "prompt-\(promptId)" }

    public func post(_ prompt: PromptContent) {
        let request = UNNotificationRequest(identifier: Self.identifier(prompt.promptId),
                                            content: Self.content(for: prompt), trigger: nil)
        center.add(request) { _ in }
    }

    public func withdraw(promptIds: [Int64]) {
        let ids = promptIds.map(Self.identifier)
        center.removeDeliveredNotifications(withIdentifiers: ids)
        center.removePendingNotificationRequests(withIdentifiers: ids)
    }

    public func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        let info = response.notification.request.content.userInfo
        let id = (info[Self.promptIdKey] as? NSNumber)?.int64Value ?? -1
        let mapped: PromptResponse?
        switch response.actionIdentifier {
        case UNNotificationDefaultActionIdentifier: mapped = .opened
        case UNNotificationDismissActionIdentifier: mapped = .swipedAway
        default: mapped = PromptResponse(rawValue: response.actionIdentifier)
        }
        if let mapped {
            DispatchQueue.main.async {
                if let handler = self.onResponse { handler(mapped, id) } else { self.early.append((mapped, id)) }
            }
        }
        completionHandler()
    }

    /// Show the prompt as a banner even when the app is in the foreground.
    public func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        completionHandler([.banner, .sound])
    }

    private func flushEarly() {
        guard let handler = onResponse else { return }
        let waiting = early
        early = []
        for (r, id) in waiting { handler(r, id) }
    }
}
#endif
