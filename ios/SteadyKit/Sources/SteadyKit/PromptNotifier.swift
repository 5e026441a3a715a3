#if canImport(UserNotifications)
import Foundation
import UserNotifications

/// The wearer's answer to a prompt, relayed to the core unchanged.
public enum PromptAction: String, Sendable {
    case startReset = "org.steady.action.START_RESET"
    case snooze = "org.steady.action.SNOOZE"
    case dismiss = "org.steady.action.DISMISS"
}

/// Text of a reset prompt; the app fills it from the core's prompt event.
public struct PromptContent: Sendable, Equatable {
    public let promptId: Int64
    public let title: String
    public let body: String

    public init(promptId: Int64, title: String, body: String) {
        self.promptId = promptId
        self.title = title
        self.body = body
    }
}

/// Posts the reset prompt as a time-sensitive notification (it may break
/// through a Focus; needs the Time Sensitive Notifications capability,
/// `com.apple.developer.usernotifications.time-sensitive`), with actions to
/// start the reset, snooze or dismiss without opening the app.
public final class PromptNotifier: NSObject, UNUserNotificationCenterDelegate {
    public static let categoryId = "org.steady.prompt"
    static let promptIdKey = "promptId"

    private let center: UNUserNotificationCenter
    private let onAction: (PromptAction, Int64) -> Void

    public init(center: UNUserNotificationCenter = .current(),
                onAction: @escaping (PromptAction, Int64) -> Void) {
        self.center = center
        self.onAction = onAction
        super.init()
        center.delegate = self
        center.setNotificationCategories([Self.category()])
    }

    static func category() -> UNNotificationCategory {
        UNNotificationCategory(
            identifier: categoryId,
            actions: [
                UNNotificationAction(identifier: PromptAction.startReset.rawValue,
                                     title: "Start reset", options: [.foreground]),
                UNNotificationAction(identifier: PromptAction.snooze.rawValue, title: "Snooze", options: []),
                UNNotificationAction(identifier: PromptAction.dismiss.rawValue, title: "Not now", options: []),
            ],
            intentIdentifiers: [],
            options: []
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
        c.userInfo = [promptIdKey: prompt.promptId]
        return c
    }

    public func post(_ prompt: PromptContent) async throws {
        let request = UNNotificationRequest(
            identifier: "prompt-\(prompt.promptId)",
            content: Self.content(for: prompt),
            trigger: nil
        )
        try await center.add(request)
    }

    public func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        let info = response.notification.request.content.userInfo
        let id = (info[Self.promptIdKey] as? Int64) ?? -1
        let action: PromptAction?
        switch response.actionIdentifier {
        case UNNotificationDefaultActionIdentifier: action = .startReset
        case UNNotificationDismissActionIdentifier: action = .dismiss
        default: action = PromptAction(rawValue: response.actionIdentifier)
        }
        if let action { onAction(action, id) }
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
}
#endif
