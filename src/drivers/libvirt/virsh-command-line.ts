// Writing arguments on virsh's interactive command line, where virsh's own parser (vshCommandStringGetArg in
// libvirt's tools/vsh.c) splits them again. Its rules, as of libvirt 9.0:
//   - tokens end at an unquoted space, tab, `;` or newline; `;` and newline also end the command;
//   - a token starting with an unquoted `#` is a comment to the end of the line;
//   - inside '...' every character is literal up to the next `'`; "..." and bare text take `\` as an escape.
// So an argument wrapped in single quotes, with each `'` written as `'\''` (close, escaped quote, reopen), is
// always exactly one token whatever it holds: `;`, `#`, `"`, `\` and spaces included. The one thing a line
// cannot carry is a line break, and the session's input goes through readline (virsh uses it even on a pipe),
// which treats control characters (tab: completion, ^A..: editing) and, in the C locale, bytes >= 0x80 (meta
// keys) as editing commands. Such arguments are therefore never written to a session: isSessionSafe says no and
// the caller runs that command as its own process, where argv carries any string exactly.

/** Whether `arg` survives the session's command line unchanged: printable ASCII only (space to `~`). */
export function isSessionSafe(arg: string): boolean {
  return /^[\x20-\x7e]*$/.test(arg);
}

/** One argument as one virsh token: single-quoted, `'` written as `'\''`. Only for isSessionSafe arguments. */
export function quoteArg(arg: string): string {
  if (!isSessionSafe(arg)) {
    throw new Error(
      `cannot write ${JSON.stringify(arg)} on a virsh command line: only printable ASCII is passed through a session`,
    );
  }
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** A command as one virsh command line (no trailing newline). */
export function commandLine(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

/**
 * Splits a line the way virsh does: commands (separated by `;`), each a list of tokens. Used by tests to prove
 * quoteArg round-trips and by the bench's recording stand-in to log each command of a session. Throws on what
 * virsh rejects (a dangling `\`, an unclosed `"`).
 */
export function splitCommandLine(line: string): string[][] {
  const commands: string[][] = [];
  let tokens: string[] = [];
  let i = 0;
  const endCommand = () => {
    if (tokens.length > 0) commands.push(tokens);
    tokens = [];
  };
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === ';' || c === '\n') {
      endCommand();
      i++;
      continue;
    }
    if (c === '#') {
      while (i < line.length && line[i] !== '\n') i++;
      endCommand();
      continue;
    }
    let token = '';
    let single = false;
    let double = false;
    while (i < line.length) {
      const ch = line[i] as string;
      if (!single && !double && (ch === ' ' || ch === '\t' || ch === ';' || ch === '\n')) break;
      if (!double && ch === "'") {
        single = !single;
        i++;
        continue;
      }
      if (!single && ch === '\\') {
        i++;
        if (i >= line.length) throw new Error('dangling \\');
        token += line[i];
        i++;
        continue;
      }
      if (!single && ch === '"') {
        double = !double;
        i++;
        continue;
      }
      token += ch;
      i++;
    }
    if (double) throw new Error('missing "');
    tokens.push(token);
  }
  endCommand();
  return commands;
}
