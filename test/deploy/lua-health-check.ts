import fengari from 'fengari';

const { lua, lauxlib, lualib, to_luastring } = fengari;
type LuaState = ReturnType<typeof lauxlib.luaL_newstate>;

export interface HealthStatus {
  status: string;
  message: string | undefined;
}

/**
 * Runs an Argo CD resource health script the way Argo CD does: the resource as the global `obj` (JSON objects as
 * tables, arrays 1-indexed), only the base, table, string and math libraries, and the returned table's `status`
 * and `message`. fengari is Lua 5.3 and Argo CD's gopher-lua is 5.1, so the scripts keep to their common subset;
 * whole numbers are pushed as integers so `tostring(2)` reads "2" in both.
 */
export function runHealthScript(script: string, resource: unknown): HealthStatus {
  const L = lauxlib.luaL_newstate();
  try {
    const libraries = [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
    ] as const;
    for (const [name, open] of libraries) {
      lauxlib.luaL_requiref(L, to_luastring(name), open, 1);
      lua.lua_pop(L, 1);
    }
    push(L, resource);
    lua.lua_setglobal(L, to_luastring('obj'));
    if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK) {
      throw new Error(`health script does not compile: ${lua.lua_tojsstring(L, -1)}`);
    }
    if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
      throw new Error(`health script failed: ${lua.lua_tojsstring(L, -1)}`);
    }
    if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) throw new Error('health script did not return a table');
    return { status: field(L, 'status') ?? '', message: field(L, 'message') };
  } finally {
    lua.lua_close(L);
  }
}

function field(L: LuaState, name: string): string | undefined {
  lua.lua_getfield(L, -1, to_luastring(name));
  const value = lua.lua_type(L, -1) === lua.LUA_TSTRING ? lua.lua_tojsstring(L, -1) : undefined;
  lua.lua_pop(L, 1);
  return value;
}

function push(L: LuaState, value: unknown): void {
  if (value === null || value === undefined) lua.lua_pushnil(L);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else if (typeof value === 'number') {
    if (Number.isInteger(value)) lua.lua_pushinteger(L, value);
    else lua.lua_pushnumber(L, value);
  } else if (typeof value === 'string') lua.lua_pushstring(L, to_luastring(value));
  else if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((item, index) => {
      push(L, item);
      lua.lua_rawseti(L, -2, index + 1);
    });
  } else if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    lua.lua_createtable(L, 0, entries.length);
    for (const [key, item] of entries) {
      push(L, item);
      lua.lua_setfield(L, -2, to_luastring(key));
    }
  } else throw new Error(`cannot hand a ${typeof value} to Lua`);
}
