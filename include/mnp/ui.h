/*
 * The web interface (subscriber self-service, operator console, regulator dashboard): static
 * pages that mnpd serves itself from data compiled into the binary (tools/embed_assets.c makes
 * it from web/ at build time), so there is nothing to install beside mnpd and no path to set.
 * The pages call the API of the same origin with the credential the person typed in; the
 * server side of the UI is only these files.
 *
 *   GET /          302 to /ui/
 *   GET /ui/       the application (index.html)
 *   GET /ui/areas.json   the areas this listener serves: {"areas": ["subscriber", ...]}
 *   GET /ui/{file} one of its files; 404 not_found for any other name
 *
 * Every answer carries a Content-Security-Policy that allows only this origin's scripts, styles
 * and API (no inline script, no framing), and a strong ETag: a page is revalidated on each load
 * (Cache-Control: no-cache), so an upgraded mnpd is never shown with stale scripts, and an
 * unchanged file costs a 304.
 */
#ifndef MNP_UI_H
#define MNP_UI_H

#include <stddef.h>

#include "mnp/error.h"
#include "mnp/http.h"

typedef struct mnp_ui_asset {
    const char *name; /* base name, "app.js" */
    const char *type; /* media type with charset where text */
    const unsigned char *data;
    size_t len;
    const char *etag; /* quoted, as sent */
} mnp_ui_asset_t;

/* Generated at build time. */
extern const mnp_ui_asset_t mnp_ui_assets[];
extern const size_t mnp_ui_assets_n;

/* The asset called name, or NULL. */
const mnp_ui_asset_t *mnp_ui_find(const char *name);

/* The areas of the interface; a listener serves those whose API it has: the self-service is the
 * gateway's (/v1/self), the console the clearinghouse's or a gateway's (which relays it), the
 * dashboard the clearinghouse's. */
enum {
    MNP_UI_SUBSCRIBER = 1,
    MNP_UI_OPERATOR = 2,
    MNP_UI_REGULATOR = 4,
    MNP_UI_ALL = 7,
};

/* Adds the routes above to router, offering the areas of the bit set areas (MNP_UI_*; not 0). */
int mnp_ui_routes(mnp_http_router_t *router, unsigned areas) MNP_WUR;

#endif
