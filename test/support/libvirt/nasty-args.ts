// Arguments that would split a virsh command line, start a second command or a comment if quoted wrongly.

export const NASTY_ARGS = [
  '',
  ' ',
  "it's",
  "''",
  '"',
  'a"b"c',
  '\\',
  'trailing\\',
  "\\'",
  ';',
  'a; snapshot-delete --domain x --snapshotname y',
  "x'; destroy --domain y; echo '",
  '#comment',
  'a #b',
  '--domain',
  '$HOME `id` $(id)',
  '  two  spaces  ',
  '~!@%^&*()_+{}|:<>?[]=,./',
];
