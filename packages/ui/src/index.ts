// @cairn/ui — public surface: the app, its store, and the transports shells plug in.
export { mountCairn, type MountedApp } from './mount.js';
export { App, appCommands, type AppCommand } from './components/App.js';
export { createAppStore, type AppStoreOptions } from './store/appStore.js';
export type { AppActions, AppState, AppStore, ImportItem, ImportSource, View } from './store/state.js';
export { createEngineClient, type EngineClient, type Method, type Params, type Result } from './engine/engineClient.js';
export { EngineError, type EngineErrorCode } from './engine/engineError.js';
export { createSessionTransport, type ChannelHandlers, type SessionChannel, type SessionTransportOptions } from './engine/sessionTransport.js';
export { createWebSocketTransport } from './engine/webSocketTransport.js';
export type { ConnectionState, EngineTransport, HostBridge } from './engine/transport.js';
