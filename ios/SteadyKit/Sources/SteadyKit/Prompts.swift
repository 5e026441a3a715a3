import Foundation

/// How the wearer answered a prompt notification (or the in-app banner).
/// The notification adapter maps UserNotifications' identifiers to these and
/// nothing more; what each means is decided by `PromptDesk`.
public enum PromptResponse: String, CaseIterable, Sendable {
    /// The "Start reset" action button.
    case startReset = "org.steady.action.START_RESET"
    /// The "Snooze" action button.
    case snooze = "org.steady.action.SNOOZE"
    /// The "Not now" action button.
    case notNow = "org.steady.action.DISMISS"
    /// The notification itself was tapped (opens the app).
    case opened = "org.steady.action.OPENED"
    /// The notification was swiped away or cleared (needs the category's
    /// `.customDismissAction` option, or iOS never reports it).
    case swipedAway = "org.steady.action.SWIPED"
}

/// Text of a reset prompt, from the core's prompt event.
public struct PromptContent: Codable, Sendable, Equatable {
    public let promptId: Int64
    public let title: String
    public let body: String

    public init(promptId: Int64, title: String, body: String) {
        self.promptId = promptId
        self.title = title
        self.body = body
    }

    /// Words for the prompt, from what the core measured.
    public init(_ prompt: Prompt) {
        let minutes = prompt.reason.sustainedS / 60.0
        let span = minutes < 1.5 ? "a minute" : "\(Int(minutes.rounded())) minutes"
        self.init(
            promptId: Int64(prompt.number),
            title: "Time for a 30-second reset?",
            body: "You have been running hot for \(span) without a break."
        )
    }
}

/// Where prompts are shown outside the app: time-sensitive notifications on
/// iOS (`PromptNotifier`), a recorder in tests.
public protocol PromptPresenting: AnyObject {
    func post(_ prompt: PromptContent)
    /// Removes the prompts with these ids, delivered or pending.
    func withdraw(promptIds: [Int64])
}

/// What to do with a response to a prompt.
public enum PromptDecision: Equatable, Sendable {
    /// Pass the answer to the core; `openReset` when the guided reset starts.
    case answer(PromptAnswer)
    /// The prompt is no longer the open one (answered already, replaced by a
    /// newer prompt, or from a shift that ended): do nothing.
    case ignoreStale
}

/// The prompt policy: at most one prompt is open, the latest the core
/// offered; older notifications are withdrawn, not left to pile up; an
/// answer to anything but the open prompt is ignored.
public struct PromptDesk: Equatable, Sendable {
    /// The open prompt, `nil` when none waits for an answer.
    public private(set) var open: PromptContent?
    /// Ids posted and not yet withdrawn.
    private var posted: [Int64] = []

    public init() {}

    /// The desk of a relaunched app: `open` is the prompt that was open
    /// when the process ended (its notification may still be on screen).
    public init(restoring open: PromptContent?) {
        self.open = open
        posted = open.map { [$0.promptId] } ?? []
    }

    /// The core offered `prompt`: returns the ids to withdraw first (older
    /// prompts) and the content to post.
    public mutating func offered(_ prompt: Prompt) -> (withdraw: [Int64], post: PromptContent) {
        let content = PromptContent(prompt)
        let old = posted
        posted = [content.promptId]
        open = content
        return (old, content)
    }

    /// The wearer responded to prompt `promptId`.
    public mutating func respond(_ response: PromptResponse, promptId: Int64) -> PromptDecision {
        guard let current = open, current.promptId == promptId else { return .ignoreStale }
        open = nil
        switch response {
        case .startReset, .opened: return .answer(.takeReset)
        case .snooze: return .answer(.snooze)
        case .notNow, .swipedAway: return .answer(.dismiss)
        }
    }

    /// The prompt was answered in the app (or the reset started there): the
    /// notification goes. Returns the ids to withdraw.
    public mutating func close() -> [Int64] {
        open = nil
        let ids = posted
        posted = []
        return ids
    }
}
