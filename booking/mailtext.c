/* mailtext.c: the texts of labpass's messages in English and Dutch (see
 * mailtext.h). Every wording lives in the table below; the expander knows
 * only how to write each kind of value, so a new message is a new row. */
#include "booking/mailtext.h"
#include "booking/spell.h"
#include "core/ltime.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const MT_LANG_NAMES[MT_LANG_COUNT] = { [MT_EN] = "en", [MT_NL] = "nl" };

const char *mt_lang_name(enum mt_lang l)
{
    return (unsigned)l < MT_LANG_COUNT ? MT_LANG_NAMES[l] : "";
}

int mt_lang_parse(const char *text, enum mt_lang *out)
{
    int i = text ? spell_find(MT_LANG_NAMES, MT_LANG_COUNT, text) : -1;
    if (i < 0) return LP_ERR_INVALID;
    *out = (enum mt_lang)i;
    return 0;
}

/* One message: its kind as stored, then per language the subject, the body
 * and (tenant notices whose bookings were cancelled) the other body. */
struct mt_text { const char *subject, *body, *body_alt; };
struct mt_entry { const char *kind; struct mt_text t[MT_LANG_COUNT]; };

static const struct mt_entry MT_TABLE[MT_KIND_COUNT] = {
    [MT_INVITATION] = { "invitation", {
        [MT_EN] = { "Invitation to join a tenant in labpass",
            "You are invited to join {tenant} in labpass as {=role}. To accept, sign in and open your "
            "invitations, or open\n\n  {link}\n\nwithin 7 days. If you do not want to join, ignore this "
            "message; nothing changes for your account.", NULL },
        [MT_NL] = { "Uitnodiging voor een huurder in labpass",
            "U bent uitgenodigd om in labpass lid te worden van {tenant} als {=role}. Meld u aan en open uw "
            "uitnodigingen om te accepteren, of open\n\n  {link}\n\nbinnen 7 dagen. Wilt u geen lid worden, "
            "negeer dan dit bericht; er verandert niets aan uw account.", NULL } } },
    [MT_SETUP_LINK] = { "setup_link", {
        [MT_EN] = { "Welcome to labpass: choose your password",
            "You have been added to labpass. Choose your password within 7 days at\n\n  {link}\n", NULL },
        [MT_NL] = { "Welkom bij labpass: kies uw wachtwoord",
            "U bent toegevoegd aan labpass. Kies binnen 7 dagen uw wachtwoord op\n\n  {link}\n", NULL } } },
    [MT_SIGNIN_LINK] = { "signin_link", {
        [MT_EN] = { "Your labpass sign-in link",
            "Someone asked for a sign-in link for this address. If it was you, open\n\n  {link}\n\nand sign in "
            "with your password within {minutes} minutes. This device is then remembered, so failed attempts "
            "by others do not slow you down. If it was not you, ignore this message.", NULL },
        [MT_NL] = { "Uw aanmeldlink voor labpass",
            "Iemand vroeg om een aanmeldlink voor dit adres. Was u dat, open dan\n\n  {link}\n\nen meld u binnen "
            "{minutes} minuten aan met uw wachtwoord. Dit apparaat wordt dan onthouden, zodat mislukte "
            "pogingen van anderen u niet ophouden. Was u het niet, negeer dan dit bericht.", NULL } } },
    [MT_SIGNIN_ALERT] = { "signin_alert", {
        [MT_EN] = { "Burst of sign-in attempts",
            "{count} sign-in attempts in a row for {=what} {email} from devices it does not know. Further "
            "attempts from unknown devices now wait up to {seconds} seconds; the account is not locked and its "
            "owner can still sign in from a known device or through an e-mailed link.", NULL },
        [MT_NL] = { "Reeks aanmeldpogingen",
            "{count} aanmeldpogingen achter elkaar voor {=what} {email} vanaf apparaten die het niet kent. "
            "Verdere pogingen vanaf onbekende apparaten wachten nu tot {seconds} seconden; het account is niet "
            "geblokkeerd en de eigenaar kan zich nog aanmelden vanaf een bekend apparaat of met een gemailde "
            "link.", NULL } } },
    [MT_RSV_APPROVED] = { "reservation_approved", {
        [MT_EN] = { "Your booking is approved",
            "A booking you requested has been approved: {resource}, {when} (reservation {id}).", NULL },
        [MT_NL] = { "Uw boeking is goedgekeurd",
            "Een boeking die u aanvroeg is goedgekeurd: {resource}, {when} (reservering {id}).", NULL } } },
    [MT_RSV_REJECTED] = { "reservation_rejected", {
        [MT_EN] = { "Your booking was rejected",
            "A booking you requested was rejected: {reason}\n\n{resource}, {when} (reservation {id}).", NULL },
        [MT_NL] = { "Uw boeking is afgewezen",
            "Een boeking die u aanvroeg is afgewezen: {reason}\n\n{resource}, {when} (reservering {id}).",
            NULL } } },
    [MT_WAITLIST_BOOKED] = { "waitlist_booked", {
        [MT_EN] = { "Your waitlisted slot is booked",
            "A slot you were waiting for has been booked for you: reservation {id} from {when}. Cancel it if "
            "you no longer need it.", NULL },
        [MT_NL] = { "Uw plek van de wachtlijst is geboekt",
            "Een tijdslot waarop u wachtte is voor u geboekt: reservering {id} vanaf {when}. Annuleer die als "
            "u hem niet meer nodig hebt.", NULL } } },
    [MT_TRAINING_REQUESTED] = { "training_requested", {
        [MT_EN] = { "Training request: {what}",
            "{person} ({email}) asks for the training \"{what}\".{note}\nGrant it on the Trainings page; "
            "granting closes the request.", NULL },
        [MT_NL] = { "Trainingsverzoek: {what}",
            "{person} ({email}) vraagt om de training \"{what}\".{note}\nVerleen die op de pagina Trainingen; "
            "daarmee sluit het verzoek.", NULL } } },
    [MT_TENANT_SUSPENDED] = { "tenant_suspended", {
        [MT_EN] = { "Your bookings: {tenant} is suspended",
            "The account of {tenant} is suspended. Bookings still ahead: {count}. They are kept on hold: until "
            "the account is active again you cannot enter the labs or book, and your door passes no longer "
            "open the labs.",
            "The account of {tenant} is suspended. The facility has cancelled your bookings still ahead "
            "({count}); no cancellation fee is charged. Your door passes no longer open the labs." },
        [MT_NL] = { "Uw boekingen: {tenant} is geschorst",
            "Het account van {tenant} is geschorst. Boekingen die nog komen: {count}. Die blijven aangehouden: "
            "tot het account weer actief is kunt u de labs niet in en niet boeken, en uw deurpassen openen de "
            "labs niet meer.",
            "Het account van {tenant} is geschorst. De faciliteit heeft uw boekingen die nog kwamen "
            "geannuleerd ({count}); er worden geen annuleringskosten gerekend. Uw deurpassen openen de labs "
            "niet meer." } } },
    [MT_TENANT_OFFBOARDED] = { "tenant_offboarded", {
        [MT_EN] = { "Your bookings: {tenant} has left the facility",
            "The account of {tenant} has left the facility. Bookings still ahead: {count}. They are kept on "
            "hold: until the account is active again you cannot enter the labs or book, and your door passes "
            "no longer open the labs.",
            "The account of {tenant} has left the facility. The facility has cancelled your bookings still "
            "ahead ({count}); no cancellation fee is charged. Your door passes no longer open the labs." },
        [MT_NL] = { "Uw boekingen: {tenant} heeft de faciliteit verlaten",
            "Het account van {tenant} heeft de faciliteit verlaten. Boekingen die nog komen: {count}. Die "
            "blijven aangehouden: tot het account weer actief is kunt u de labs niet in en niet boeken, en uw "
            "deurpassen openen de labs niet meer.",
            "Het account van {tenant} heeft de faciliteit verlaten. De faciliteit heeft uw boekingen die nog "
            "kwamen geannuleerd ({count}); er worden geen annuleringskosten gerekend. Uw deurpassen openen de "
            "labs niet meer." } } },
    [MT_REMINDER] = { "reservation_reminder", {
        [MT_EN] = { "Reminder: {resource} on {when}",
            "This is a reminder of your booking of {resource} on {when} (reservation {id}). If you no longer "
            "need it, cancel it in labpass:\n\n  {link}\n", NULL },
        [MT_NL] = { "Herinnering: {resource} op {when}",
            "Dit is een herinnering aan uw boeking van {resource} op {when} (reservering {id}). Hebt u die niet "
            "meer nodig, annuleer hem dan in labpass:\n\n  {link}\n", NULL } } },
    [MT_PROJECT_BUDGET] = { "project_budget", {
        [MT_EN] = { "Project {what} has used {count} % of its budget",
            "Project {what} of {tenant} has used {count} % of its budget. Bookings charged to it are "
            "warned from 80 %; a project that blocks at its budget takes no bookings past 100 %. Raise the "
            "budget or choose another project on the Projects page.", NULL },
        [MT_NL] = { "Project {what} heeft {count} % van het budget gebruikt",
            "Project {what} van {tenant} heeft {count} % van het budget gebruikt. Boekingen op dit project "
            "krijgen vanaf 80 % een waarschuwing; een project dat bij het budget blokkeert neemt boven 100 % "
            "geen boekingen meer aan. Verhoog het budget of kies een ander project op de pagina Projecten.", NULL } } },
    [MT_INVOICE] = { "invoice", {
        [MT_EN] = { "Invoice {number} from {seller}",
            "Please find attached invoice {number} for {period}.\n\nTotal: {total}\nDue date: {due}\n\nPlease "
            "transfer the amount by the due date to {iban}, quoting invoice number {number}. The attached XML "
            "file is the invoice in UBL (Peppol BIS Billing 3.0) for your accounting software.", NULL },
        [MT_NL] = { "Factuur {number} van {seller}",
            "Bijgaand vindt u factuur {number} over {period}.\n\nTotaal: {total}\nVervaldatum: {due}\n\nWilt u "
            "het bedrag voor de vervaldatum overmaken naar {iban} onder vermelding van factuurnummer {number}? "
            "Het bijgevoegde XML-bestand is de factuur in UBL (Peppol BIS Billing 3.0) voor uw "
            "boekhoudprogramma.", NULL } } },
    [MT_DOWNTIME] = { "downtime_notice", {
        [MT_EN] = { "{resource} is out of service: your booking on {when}",
            "{resource} is out of service from {when} {until} ({=what}: {reason}). Your booking (reservation "
            "{id}) falls in this period. It is kept for now; the facility will tell you if it cannot go ahead. "
            "If you would rather move it, these slots of the same length are free:\n{slots}\nBook one in "
            "labpass:\n\n  {link}\n",
            "{resource} is out of service from {when} {until} ({=what}: {reason}). The facility has cancelled "
            "your booking in this period (reservation {id}); no cancellation fee is charged. These slots of the "
            "same length are free:\n{slots}\nBook one in labpass:\n\n  {link}\n" },
        [MT_NL] = { "{resource} is buiten gebruik: uw boeking op {when}",
            "{resource} is buiten gebruik vanaf {when} {until} ({=what}: {reason}). Uw boeking (reservering "
            "{id}) valt in deze periode. Die blijft voorlopig staan; de faciliteit laat het u weten als hij niet "
            "door kan gaan. Wilt u hem liever verplaatsen, dan zijn deze tijden van dezelfde lengte vrij:\n"
            "{slots}\nBoek er een in labpass:\n\n  {link}\n",
            "{resource} is buiten gebruik vanaf {when} {until} ({=what}: {reason}). De faciliteit heeft uw "
            "boeking in deze periode geannuleerd (reservering {id}); er worden geen annuleringskosten gerekend. "
            "Deze tijden van dezelfde lengte zijn vrij:\n{slots}\nBoek er een in labpass:\n\n  {link}\n" } } },
    [MT_INCIDENT_REPORTED] = { "incident_reported", {
        [MT_EN] = { "Problem reported with {resource}",
            "{person} ({email}) reported a problem with {resource} (incident {id}, severity {=what}):\n\n{reason}\n\n"
            "Acknowledge or resolve it in labpass:\n\n  {link}\n", NULL },
        [MT_NL] = { "Probleem gemeld met {resource}",
            "{person} ({email}) meldde een probleem met {resource} (melding {id}, ernst {=what}):\n\n{reason}\n\n"
            "Bevestig of los het op in labpass:\n\n  {link}\n", NULL } } },
    [MT_CALIBRATION_DUE] = { "calibration_due", {
        [MT_EN] = { "Calibration of {resource} due on {due}",
            "The calibration of {resource} is due on {due}. When it is done, record it in the resource's log "
            "with the next due date:\n\n  {link}\n", NULL },
        [MT_NL] = { "Kalibratie van {resource} nodig op {due}",
            "De kalibratie van {resource} moet uiterlijk {due} gebeuren. Leg haar na afloop vast in het logboek "
            "van het middel, met de volgende datum:\n\n  {link}\n", NULL } } },
    [MT_SERVICE_QUOTE] = { "service_quote", {
        [MT_EN] = { "Quote for your service request {id}",
            "Your service request {id} for {what} has been quoted: {total} excluding VAT, valid until {due}.{note}"
            "\n\nAccept or decline the quote at\n\n  {link}\n", NULL },
        [MT_NL] = { "Offerte voor uw serviceaanvraag {id}",
            "Uw serviceaanvraag {id} voor {what} is geoffreerd: {total} exclusief btw, geldig tot en met {due}.{note}"
            "\n\nAccepteer of weiger de offerte op\n\n  {link}\n", NULL } } },
};

const char *mt_kind_name(enum mt_kind k)
{
    return (unsigned)k < MT_KIND_COUNT ? MT_TABLE[k].kind : "";
}

/* Words a template names with {=field}: the field's value picks the word. */
static const struct { const char *key, *word[MT_LANG_COUNT]; } MT_WORDS[] = {
    { "tenant_admin", { "an administrator", "beheerder" } },
    { "member", { "a member", "lid" } },
    { "account", { "the account", "het account" } },
    { "address", { "the address", "het adres" } },
    { "planned", { "planned maintenance", "gepland onderhoud" } },
    { "fault", { "a fault", "een storing" } },
    { "low", { "low", "laag" } },
    { "medium", { "medium", "middel" } },
    { "high", { "high", "hoog" } },
};

static const char *word(const char *key, enum mt_lang lang)
{
    for (size_t i = 0; key && i < sizeof MT_WORDS / sizeof MT_WORDS[0]; i++)
        if (strcmp(MT_WORDS[i].key, key) == 0) return MT_WORDS[i].word[lang];
    return key ? key : "";
}

static char mt_url[256];

void mt_set_public_url(const char *url)
{
    snprintf(mt_url, sizeof mt_url, "%s", url ? url : "");
    size_t n = strlen(mt_url);
    while (n > 0 && mt_url[n - 1] == '/') mt_url[--n] = '\0';
}

const char *mt_public_url(void) { return mt_url; }

/* The host part of url after its scheme: up to '/', or the end. */
static int host_is_local(const char *host)
{
    static const char *const LOCAL[] = { "localhost", "127.0.0.1", "[::1]" };
    for (size_t i = 0; i < sizeof LOCAL / sizeof LOCAL[0]; i++) {
        size_t n = strlen(LOCAL[i]);
        if (strncmp(host, LOCAL[i], n) == 0 && (host[n] == '\0' || host[n] == ':' || host[n] == '/')) return 1;
    }
    return 0;
}

int mt_public_url_ok(const char *url)
{
    if (!url || strlen(url) >= sizeof mt_url - 64) return 0;
    const char *host = NULL;
    if (strncmp(url, "https://", 8) == 0) host = url + 8;
    else if (strncmp(url, "http://", 7) == 0 && host_is_local(url + 7)) host = url + 7;
    if (!host || !*host || *host == '/' || *host == ':') return 0;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("\"'<>\\?#`{}|^@", *p)) return 0;
    return 1;
}

static const char *const DAYS[MT_LANG_COUNT][7] = {
    { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" },
    { "zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag" },
};
static const char *const MONTHS[MT_LANG_COUNT][12] = {
    { "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
      "November", "December" },
    { "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
      "november", "december" },
};

void mt_format_time(int64_t t, enum mt_lang lang, char *out, size_t cap)
{
    struct tm tm;
    lt_local(t, &tm);
    if ((unsigned)lang >= MT_LANG_COUNT) lang = MT_EN;
    snprintf(out, cap, "%s %d %s %d %s %02d:%02d", DAYS[lang][tm.tm_wday % 7], tm.tm_mday,
             MONTHS[lang][tm.tm_mon % 12], tm.tm_year + 1900, lang == MT_NL ? "om" : "at", tm.tm_hour, tm.tm_min);
}

/* The output buffer being filled; text past cap is dropped. */
struct out { char *p; size_t cap, len; };

static void put(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && o->len + 1 < o->cap; i++) o->p[o->len++] = s[i];
    o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s) { if (s) put(o, s, strlen(s)); }

static const char *str_field(const mt_args *a, const char *name, size_t n)
{
    static const struct { const char *name; size_t off; } F[] = {
#define F_(x) { #x, offsetof(mt_args, x) }
        F_(tenant), F_(role), F_(reason), F_(person), F_(email), F_(what), F_(resource), F_(number),
        F_(period), F_(total), F_(due), F_(iban), F_(seller),
#undef F_
    };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++)
        if (strlen(F[i].name) == n && strncmp(F[i].name, name, n) == 0) {
            const char *v = *(const char *const *)(const void *)((const char *)a + F[i].off);
            return v ? v : "";
        }
    return NULL;
}

/* Writes the value of placeholder name (n bytes; a leading '=' asks for the
 * word of the value) in lang. */
static void value(struct out *o, const mt_args *a, enum mt_lang lang, const char *name, size_t n)
{
    char buf[128];
    int is_word = n > 0 && name[0] == '=';
    const char *s = str_field(a, name + is_word, n - (size_t)is_word);
    if (s) { puts_(o, is_word ? word(s, lang) : s); return; }
#define IS(x) (n == sizeof x - 1 && strncmp(name, x, n) == 0)
    if (IS("when")) mt_format_time(a->when, lang, buf, sizeof buf);
    else if (IS("count")) snprintf(buf, sizeof buf, "%lld", (long long)a->count);
    else if (IS("id")) snprintf(buf, sizeof buf, "%lld", (long long)a->id);
    else if (IS("minutes")) snprintf(buf, sizeof buf, "%lld", (long long)a->minutes);
    else if (IS("seconds")) snprintf(buf, sizeof buf, "%lld", (long long)a->seconds);
    else if (IS("note")) {   /* a line of its own, only when there is a note */
        if (a->note && a->note[0]) { puts_(o, lang == MT_NL ? "\nOpmerking: " : "\nNote: "); puts_(o, a->note); }
        return;
    }
    else if (IS("link")) { puts_(o, mt_url); puts_(o, a->link); return; }
    else if (IS("until")) {   /* "to <time>", or "until further notice" */
        if (!a->until) { puts_(o, lang == MT_NL ? "tot nader bericht" : "until further notice"); return; }
        mt_format_time(a->until, lang, buf, sizeof buf);
        puts_(o, lang == MT_NL ? "tot " : "to ");
    }
    else if (IS("slots")) {
        if (!a->n_slots) { puts_(o, lang == MT_NL ? "  (geen vrije tijden gevonden in de komende weken)\n"
                                                  : "  (no free slots found in the coming weeks)\n"); return; }
        for (size_t i = 0; i < a->n_slots; i++) {
            char t[96];
            puts_(o, "  - ");
            puts_(o, a->slot_resource[i]);
            puts_(o, ": ");
            mt_format_time(a->slot_start[i], lang, t, sizeof t);
            puts_(o, t);
            struct tm tm;
            lt_local(a->slot_end[i], &tm);
            snprintf(t, sizeof t, " %s %02d:%02d\n", lang == MT_NL ? "tot" : "to", tm.tm_hour, tm.tm_min);
            puts_(o, t);
        }
        return;
    }
    else buf[0] = '\0';
#undef IS
    puts_(o, buf);
}

static void expand(struct out *o, const char *tpl, const mt_args *a, enum mt_lang lang)
{
    for (const char *p = tpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close) {
            value(o, a, lang, p + 1, (size_t)(close - p - 1));
            p = close + 1;
        } else {
            put(o, p, 1);
            p++;
        }
    }
}

int mt_render(enum mt_kind k, enum mt_lang lang, const mt_args *a, char subject[MT_SUBJECT_MAX],
              char body[MT_BODY_MAX])
{
    if ((unsigned)k >= MT_KIND_COUNT || (unsigned)lang >= MT_LANG_COUNT) return LP_ERR_INVALID;
    const struct mt_text *t = &MT_TABLE[k].t[lang];
    struct out s = { subject, MT_SUBJECT_MAX, 0 }, b = { body, MT_BODY_MAX, 0 };
    subject[0] = body[0] = '\0';
    expand(&s, t->subject, a, lang);
    expand(&b, a->cancelled && t->body_alt ? t->body_alt : t->body, a, lang);
    return 0;
}
