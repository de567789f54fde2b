// codes.js: the server's codes in sentences. A door's reasons for letting
// someone in or not (access/door/door_decide.c, "exit_button" from the exit
// button) and its alarms (access/door/door_run.c, door_sync.c, door_io.c)
// arrive as codes; people read a sentence in their language. A code this
// file does not know yet is shown with a plain "unknown reason" sentence and
// the code, never alone. static.test.mjs fails when a code of the door's
// source has no English and Dutch sentence.

import { STRINGS } from './strings.js';
import { t } from './i18n.js';

function sentence(prefix, code, unknownKey) {
  if (!code) return '';
  const key = `${prefix}.${code}`;
  return STRINGS[key] ? t(key) : t(unknownKey, { code });
}

// Why a door refused or admitted (a door event's reason).
export const reasonText = (code) => sentence('reason', code, 'reason.unknown');
// What a door's alarm means.
export const alarmText = (kind) => sentence('alarm', kind, 'alarm.unknown');
