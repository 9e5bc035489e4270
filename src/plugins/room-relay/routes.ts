/** Room → backend routes live in the store layer (memory per proxy, or Redis shared by proxies). */
export { MemoryRoomRoutes, routeKey, type RoomRoutes } from '../../store/room-routes.js';
