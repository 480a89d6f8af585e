// The small part of fengari (a Lua 5.3 VM in JavaScript; it ships no types) that the health-check tests use.
declare module 'fengari' {
  type LuaState = { readonly __luaState: unique symbol };
  type LuaString = Uint8Array;
  type OpenLib = (L: LuaState) => number;

  const fengari: {
    to_luastring(s: string): LuaString;
    to_jsstring(s: LuaString): string;
    lua: {
      LUA_OK: number;
      LUA_TTABLE: number;
      LUA_TSTRING: number;
      lua_close(L: LuaState): void;
      lua_createtable(L: LuaState, narr: number, nrec: number): void;
      lua_getfield(L: LuaState, index: number, key: LuaString): number;
      lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
      lua_pop(L: LuaState, n: number): void;
      lua_pushboolean(L: LuaState, b: boolean): void;
      lua_pushinteger(L: LuaState, n: number): void;
      lua_pushnil(L: LuaState): void;
      lua_pushnumber(L: LuaState, n: number): void;
      lua_pushstring(L: LuaState, s: LuaString): void;
      lua_rawseti(L: LuaState, index: number, i: number): void;
      lua_setfield(L: LuaState, index: number, key: LuaString): void;
      lua_setglobal(L: LuaState, name: LuaString): void;
      lua_tojsstring(L: LuaState, index: number): string;
      lua_type(L: LuaState, index: number): number;
    };
    lauxlib: {
      luaL_newstate(): LuaState;
      luaL_loadstring(L: LuaState, s: LuaString): number;
      luaL_requiref(L: LuaState, name: LuaString, open: OpenLib, global: number): void;
    };
    lualib: {
      luaopen_base: OpenLib;
      luaopen_math: OpenLib;
      luaopen_string: OpenLib;
      luaopen_table: OpenLib;
    };
  };
  export default fengari;
}
