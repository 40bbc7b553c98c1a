import Hummingbird
import NIOCore

/// The request context of the registry's routes: Hummingbird's, and the connection the request came on (so that
/// a refused upload's connection can be closed instead of its body read to the end).
struct RegistryRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
