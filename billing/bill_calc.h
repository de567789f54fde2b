/* bill_calc.h: the pure arithmetic of labpass billing (no database, no I/O).
 *
 * Money is integer cents, durations are seconds, instants are UTC epoch
 * seconds; wall-clock rules (peak windows) are read in the site zone
 * (core/ltime.h). Every rule below is exact and deterministic:
 *
 * Usage price of one booking (bcalc_price_usage, bcalc_price_interval)
 *  1. The billing basis picks the interval: BOOKED = [booked start, end);
 *     ACTUAL = [check-in, check-out), so an overrun past the booked end is
 *     charged and a short stay is charged short; MAX = the span covering both
 *     (booked slot plus any early start or overrun), never less than either.
 *  2. The interval is split into peak and off-peak seconds by the rate's
 *     wall-clock peak windows, day by day in site time: a window 08:00-18:00
 *     is 10 h on every day, and a window over the night of a DST change is
 *     1 h shorter (March) or longer (October). A window edge that falls in a
 *     DST gap moves forward; in the repeated hour the first occurrence counts.
 *  3. Rounding: the whole billed duration (not each part) is rounded up to a
 *     multiple of the increment. The extra seconds are priced at the tariff in
 *     force at the last billed second (as if the stay went on at that tariff).
 *  4. Price = (peak_s * peak_rate + offpeak_s * offpeak_rate) / 3600, exact in
 *     integer arithmetic, rounded half up to the cent ONCE for the booking.
 *     For invoice lines the peak part is that formula for peak seconds alone
 *     (rounded half up) and the off-peak part is the remainder, so the parts
 *     always add up to the booking price (each within 1 cent of its exact
 *     value).
 *  5. Minimum charge: when the billed duration is positive and the price is
 *     below the minimum, a supplement part raises it to the minimum.
 *
 * Fees: cancelling at least free_cancel_hours before the booked start is free
 * (exactly on the boundary is free); later, including after the start, the
 * cancellation fee applies. Billing passes as the start the earliest start
 * the booking had since it was first confirmed, and takes the larger of the
 * fees on the booking as it is and as it entered its late window (fees
 * follow the booking's history, billing/bill_fees.c). Percent fees are basis points of the booked price
 * (bcalc_price_interval of the booked slot), rounded half up. A no-show (no
 * check-in) is billed with the no-show fee only; the caller decides that a
 * booking is a no-show.
 *
 * VAT (bcalc_totals_*): lines are grouped per (category, rate); VAT is
 * computed once per group on the group's taxable sum, half away from zero to
 * the cent. Totals satisfy EN 16931 BR-CO-10/13/15/16 and BR-S/Z/E/AE-08/09.
 * Limits (LP_ERR_INVALID beyond them) keep all arithmetic far from overflow. */
#ifndef LP_BILL_CALC_H
#define LP_BILL_CALC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

#define BCALC_MAX_WINDOWS 16
#define BCALC_MAX_RATE_CENTS 1000000          /* 10 000.00 per hour */
#define BCALC_MAX_SECS (400 * 86400)          /* longest billable interval */
#define BCALC_MAX_CENTS 100000000000LL        /* 1 000 000 000.00 per amount */
#define BCALC_MAX_VAT_GROUPS 8
#define BCALC_MAX_INSTANT (1LL << 40)            /* instants are 0..this */
#define BCALC_MON_FRI 0x3E                    /* bits 1..5 of bcalc_window.days */
#define BCALC_EVERY_DAY 0x7F

/* A peak window: site wall-clock minutes [from_min, to_min) on the weekdays
 * whose bit (1 << tm_wday, bit 0 = Sunday) is set in days. */
struct bcalc_window {
    uint8_t days;
    uint16_t from_min; /* 0..1439 */
    uint16_t to_min;   /* from_min < to_min <= 1440 */
};

struct bcalc_rate {
    int64_t peak_cents_per_hour;    /* 0..BCALC_MAX_RATE_CENTS */
    int64_t offpeak_cents_per_hour; /* 0..BCALC_MAX_RATE_CENTS */
    struct bcalc_window windows[BCALC_MAX_WINDOWS]; /* may overlap */
    size_t nwindows;
    int32_t round_minutes;          /* 0 = bill exact seconds; else 1..1440 */
    int64_t min_charge_cents;       /* 0 = none */
};

enum bcalc_basis { BCALC_BASIS_BOOKED, BCALC_BASIS_ACTUAL, BCALC_BASIS_MAX };
enum bcalc_fee_kind { BCALC_FEE_NONE, BCALC_FEE_FIXED, BCALC_FEE_PERCENT };

struct bcalc_fee {
    enum bcalc_fee_kind kind;
    int64_t amount; /* FIXED: cents; PERCENT: basis points (0..10000) of the booked price */
};

struct bcalc_policy {
    enum bcalc_basis basis;
    int32_t free_cancel_hours; /* 0..8760 */
    struct bcalc_fee cancel_fee;
    struct bcalc_fee noshow_fee;
};

/* One booking as it happened. */
struct bcalc_usage {
    int64_t booked_start, booked_end; /* booked_start < booked_end */
    bool checked_in;                  /* false: nobody came (yet) */
    int64_t actual_start, actual_end; /* check-in, check-out; start <= end */
};

struct bcalc_price {
    int64_t start, end;        /* interval billed after the basis, end exclusive */
    int64_t exact_secs;        /* end - start */
    int64_t billed_secs;       /* exact_secs rounded up to the increment */
    int64_t peak_secs;         /* peak_secs + offpeak_secs == billed_secs */
    int64_t offpeak_secs;
    int64_t peak_cents;        /* part for the peak seconds */
    int64_t offpeak_cents;     /* part for the off-peak seconds (remainder) */
    int64_t minimum_cents;     /* supplement up to the minimum charge, else 0 */
    int64_t total_cents;       /* peak + offpeak + minimum */
};

/* A priced part ready to become one invoice line. */
enum bcalc_part_kind {
    BCALC_PART_HOURS,   /* peak and off-peak rates are equal: one part */
    BCALC_PART_PEAK,
    BCALC_PART_OFFPEAK,
    BCALC_PART_MINIMUM, /* minimum-charge supplement, quantity 1 */
    BCALC_PART_FEE,     /* cancellation or no-show fee, quantity 1 */
    BCALC_PART_ITEM     /* a catalogue item (service or consumable) in its own unit */
};

/* The UN/ECE Recommendation 20 units lines are sold in: hours, pieces,
 * litres, millilitres, kilograms, grams, days, minutes, service units. */
enum bcalc_unit {
    BCALC_UNIT_HUR = 0, BCALC_UNIT_C62, BCALC_UNIT_LTR, BCALC_UNIT_MLT, BCALC_UNIT_KGM, BCALC_UNIT_GRM,
    BCALC_UNIT_DAY, BCALC_UNIT_MIN, BCALC_UNIT_E48
};
#define BCALC_UNIT_COUNT 9
/* The Rec 20 code ("HUR", "C62", ...); "" out of range. */
const char *bcalc_unit_code(enum bcalc_unit u);
/* The word the API uses ("hour", "piece", "litre", ...); "" out of range. */
const char *bcalc_unit_word(enum bcalc_unit u);
/* Reads a Rec 20 code of the table; LP_ERR_INVALID for anything else. */
int bcalc_unit_parse(const char *code, enum bcalc_unit *out) LP_MUST;
/* True when the unit is counted in whole numbers (pieces, service units). */
bool bcalc_unit_whole(enum bcalc_unit u);

struct bcalc_part {
    enum bcalc_part_kind kind;
    enum bcalc_unit unit; /* quantity unit: hours for time, pieces for fees, the item's for items */
    int64_t qty_e6;      /* quantity in millionths (hours or pieces) */
    int64_t unit_cents;  /* price per hour or per piece */
    int64_t net_cents;   /* line amount; |qty * unit - net| < 2 cents */
};

enum bcalc_vat_cat { BCALC_VAT_S, BCALC_VAT_Z, BCALC_VAT_E, BCALC_VAT_AE };

/* S: standard or reduced rate (rate_bp > 0, e.g. 2100 = 21 %, 900 = 9 %);
 * Z: zero rated, E: exempt (needs an exemption reason on the invoice),
 * AE: reverse charge; Z, E and AE have rate_bp 0. */
struct bcalc_vat {
    enum bcalc_vat_cat cat;
    int32_t rate_bp;
};

struct bcalc_vat_group {
    struct bcalc_vat vat;
    int64_t taxable_cents;
    int64_t tax_cents;
};

struct bcalc_totals {
    struct bcalc_vat_group groups[BCALC_MAX_VAT_GROUPS]; /* sorted: S, Z, E, AE; rate descending */
    size_t ngroups;
    size_t nlines;
    int64_t line_ext_cents;  /* BT-106 sum of line net amounts */
    int64_t tax_excl_cents;  /* BT-109 (no document-level allowances or charges) */
    int64_t tax_cents;       /* BT-110 sum of the groups' VAT */
    int64_t tax_incl_cents;  /* BT-112 */
    int64_t payable_cents;   /* BT-115 (nothing prepaid) */
};

/* Checks a rate's ranges and windows. 0 or LP_ERR_INVALID. */
int bcalc_rate_check(const struct bcalc_rate *r) LP_MUST;
/* Checks a policy's ranges. 0 or LP_ERR_INVALID. */
int bcalc_policy_check(const struct bcalc_policy *p) LP_MUST;

/* Peak seconds of [start, end) under r's windows, in site time. */
int bcalc_peak_secs(const struct bcalc_rate *r, int64_t start, int64_t end, int64_t *out) LP_MUST;

/* Prices the interval [start, end) (rules 2-5 above). Used for the booked
 * price that percentage fees refer to. */
int bcalc_price_interval(const struct bcalc_rate *r, int64_t start, int64_t end,
                         struct bcalc_price *out) LP_MUST;

/* Prices one booking under the policy's basis (rules 1-5). ACTUAL and MAX
 * need a check-in: LP_ERR_STATE when u->checked_in is false (a no-show:
 * bill bcalc_noshow_fee instead). */
int bcalc_price_usage(const struct bcalc_rate *r, const struct bcalc_policy *p,
                      const struct bcalc_usage *u, struct bcalc_price *out) LP_MUST;

/* Cancellation fee for cancelling at cancelled_at a booking starting at
 * start (the deadline's start: see "Fees" above) whose booked price is
 * booked_cents. 0 when free. */
int bcalc_cancel_fee(const struct bcalc_policy *p, int64_t booked_cents, int64_t start,
                     int64_t cancelled_at, int64_t *fee_cents) LP_MUST;

/* No-show fee for a booking whose booked price is booked_cents. */
int bcalc_noshow_fee(const struct bcalc_policy *p, int64_t booked_cents,
                     int64_t *fee_cents) LP_MUST;

/* Splits a price (from bcalc_price_* with the same rate r) into invoice-line
 * parts: one HOURS part when both rates are equal, else PEAK and OFFPEAK,
 * then the MINIMUM supplement; parts with zero quantity are left out.
 * Returns the number of parts written to out (0..3). */
size_t bcalc_price_parts(const struct bcalc_rate *r, const struct bcalc_price *p,
                         struct bcalc_part out[3]);

/* A fee as one part: quantity 1 piece at fee_cents. */
struct bcalc_part bcalc_fee_part(int64_t fee_cents);

/* Hours in millionths for a number of seconds, rounded half up. */
int64_t bcalc_hours_e6(int64_t secs);

/* v * bp / 10000 rounded half away from zero (VAT, percent fees). */
int64_t bcalc_apply_bp(int64_t v, int64_t bp);

/* The UNCL 5305 code of a category: "S", "Z", "E", "AE". */
const char *bcalc_vat_code(enum bcalc_vat_cat cat);
/* 0 when the pair is consistent (S with 1..10000 bp; others with 0). */
int bcalc_vat_check(struct bcalc_vat v) LP_MUST;

/* VAT treatment of a supply to a buyer. Reverse charge (AE, 0) applies when
 * reverse_charge_allowed (the service is not taxed where the site is, e.g.
 * not a letting of immovable property), the buyer's country is an EU member
 * other than the seller's and the buyer's VAT number carries that country's
 * prefix (EL for Greece). Otherwise the domestic treatment applies.
 * Countries are ISO 3166-1 alpha-2; buyer_vat_id may be NULL. */
int bcalc_vat_for_buyer(struct bcalc_vat domestic, const char *seller_country,
                        const char *buyer_country, const char *buyer_vat_id,
                        bool reverse_charge_allowed, struct bcalc_vat *out) LP_MUST;

/* Totals: init, add each line's net and VAT, then finish (computes VAT per
 * group and the sums). add fails with LP_ERR_INVALID on a bad VAT pair or an
 * amount over BCALC_MAX_CENTS, LP_ERR_TOOBIG beyond BCALC_MAX_VAT_GROUPS. */
void bcalc_totals_init(struct bcalc_totals *t);
int bcalc_totals_add(struct bcalc_totals *t, int64_t net_cents, struct bcalc_vat vat) LP_MUST;
void bcalc_totals_finish(struct bcalc_totals *t);

#endif
