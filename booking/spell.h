/* spell.h: the lookup shared by booking's state tables (inside booking/
 * only). Each state enum has one table of spellings indexed by its values
 * (tnt_state, psn_state, res_state, rsv_state, wl_state); the spelling is
 * both the stored (SQL) and the JSON form, so a row reads into an enum with
 * spell_find and an enum goes out with a table lookup. */
#ifndef LP_SPELL_H
#define LP_SPELL_H

/* The index of text in names[0..n), or -1 when it is none of them (or NULL). */
int spell_find(const char *const *names, int n, const char *text);

#endif
