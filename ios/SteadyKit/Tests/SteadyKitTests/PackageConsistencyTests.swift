import XCTest

/// Package.swift's platforms and the slices scripts/build-xcframework builds
/// must match: a declared platform without a slice fails to link on a Mac,
/// a slice without a platform is dead weight. Read from the files, so a
/// change to one without the other fails here, on Linux.
final class PackageConsistencyTests: XCTestCase {
    private let package = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testEveryDeclaredPlatformHasAnXCFrameworkSliceAndNoSliceIsUndeclared() throws {
        let manifest = try String(contentsOf: package.appendingPathComponent("Package.swift"), encoding: .utf8)
        let script = try String(contentsOf: package.appendingPathComponent("../../scripts/build-xcframework"),
                                encoding: .utf8)
        let platformsLine = try XCTUnwrap(manifest.split(separator: "\n").first {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("platforms:")
        })
        let rustTargets: [(platform: String, targets: [String])] = [
            (".iOS(", ["aarch64-apple-ios ", "aarch64-apple-ios-sim", "x86_64-apple-ios"]),
            (".macOS(", ["aarch64-apple-darwin", "x86_64-apple-darwin"]),
        ]
        let targetsLine = try XCTUnwrap(script.split(separator: "\n").first { $0.hasPrefix("TARGETS=(") }) + " "
        for (platform, targets) in rustTargets {
            let declared = platformsLine.contains(platform)
            for t in targets {
                XCTAssertEqual(targetsLine.contains(t), declared,
                               "\(platform) declared: \(declared), but build-xcframework builds \(t): \(!declared)")
            }
        }
        for other in [".tvOS(", ".watchOS(", ".visionOS("] {
            XCTAssertFalse(platformsLine.contains(other), "\(other) has no slice")
        }
    }
}
