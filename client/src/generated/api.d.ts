// Generated from openapi.yaml by client/scripts/build.ts; do not edit by hand.
export interface paths {
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (text exposition format) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text format */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is running */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            status: "ok" | "unavailable";
                            checks?: {
                                [key: string]: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database (and the broker, when configured) can be used */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            status: "ok" | "unavailable";
                            checks?: {
                                [key: string]: string;
                            };
                        };
                    };
                };
                /** @description Something is not usable; checks say what */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            status: "ok" | "unavailable";
                            checks?: {
                                [key: string]: string;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ingest one CloudEvent or an array of them
         * @description Same validation and the same idempotent path as the broker: (source, id) identifies an event, and an event seen before is counted as a duplicate and has no new effect. An array is all-or-nothing: one invalid event refuses the request. At most 500 events, each at most 262144 bytes.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description A CloudEvent (structured JSON mode) or an array of them */
            requestBody: {
                content: {
                    "application/json": unknown;
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Events whose effects were recorded now */
                            accepted: number;
                            /** @description Events already recorded before */
                            duplicates: number;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A dependency (database, broker) is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The caller's notifications, newest first, with the exact unread and unseen counts
         * @description Archived notifications are left out unless `archived=true` or `archived=all`.
         */
        get: {
            parameters: {
                query: {
                    limit: number;
                    /** @description nextCursor of the previous page */
                    cursor?: string;
                    status: "all" | "unread" | "read";
                    /** @description In-app notification type */
                    type?: "welcome" | "booking_confirmed" | "hall_booking_created" | "booking_cancelled" | "hall_booking_cancelled" | "announcement" | "booking_updated" | "hall_booking_updated" | "booking_reminder";
                    /** @description Archived ones are left out unless asked for */
                    archived: "false" | "true" | "all";
                    /** @description booking, account or announcement (derived from the type) */
                    category?: "booking" | "account" | "announcement";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Notification"][];
                            nextCursor: string | null;
                            /** @description Every unread notification of the caller, whatever the filter */
                            unreadCount: number;
                            /** @description Not yet seen and not archived, whatever the filter */
                            unseenCount: number;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A dependency (database, broker) is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete all of the caller's notifications */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            deleted: number;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/unread-count": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's exact unread count */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A dependency (database, broker) is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * All of the caller's notifications, streamed
         * @description `ndjson`: one notification (as in the list) per line. `csv`: a header line, then one row each, `data` as JSON. Newest first; read in batches, so memory stays bounded however many there are.
         */
        get: {
            parameters: {
                query: {
                    format: "ndjson" | "csv";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The notifications, one per line */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": string;
                        "text/csv": string;
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": components["schemas"]["ErrorResponse"];
                        "text/csv": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": components["schemas"]["ErrorResponse"];
                        "text/csv": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": components["schemas"]["ErrorResponse"];
                        "text/csv": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A dependency (database, broker) is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": components["schemas"]["ErrorResponse"];
                        "text/csv": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/stream-tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A single-use ticket for opening the stream
         * @description Valid for 30 s (never past the token), redeemable once on any instance: `GET /v1/notifications/stream?ticket=`, so no token sits in a URL. The stream ends when the token the ticket was made with expires.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description For GET /v1/notifications/stream?ticket=; single use */
                            ticket: string;
                            /** Format: date-time */
                            expiresAt: string;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A dependency (database, broker) is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One notification */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete one notification */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark one notification read */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/unread": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark one notification unread */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark several notifications read
         * @description Ids that are unknown, already read or someone else's are left alone and not counted.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        ids: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            updated: number;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/read-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark all of the caller's notifications read */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            updated: number;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/archive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Archive one notification */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/unarchive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Unarchive one notification */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Notification"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/seen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark several notifications seen
         * @description Ids that are unknown, already seen or someone else's are left alone and not counted.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        ids: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            updated: number;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/seen-all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark all of the caller's notifications seen (the bell was opened) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            updated: number;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/{id}/open": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The link in an email: marks the notification read and redirects to it in the app
         * @description No token: the signature (HMAC-SHA256 of the id, made when the email was sent) is the credential. Marks the notification read when it is unread (other tabs and streams see `notification-updated`), then 302 to its `url` under APP_URL; to APP_URL itself when the notification no longer exists. A missing or altered signature is a 400 and marks nothing. Mail scanners that open links mark it read too.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The signature from the email link */
                    sig?: string;
                };
                header?: never;
                path: {
                    /** @description Notification id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Redirect to the notification's page in the app, or to the app when it no longer exists */
                302: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/notifications/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live updates as Server-Sent Events
         * @description Events, each with an `id:` (opaque, `<seq>.<xmin>`; send it back as `Last-Event-ID` to replay what was missed, which may repeat an event the client has): `notification` (a new notification), `notification-updated` (`{"id", "readAt", "seenAt", "archivedAt"}`), `notification-deleted` (`{"id"}` or `{"all": true}`), `unread-count` (`{"count", "unseenCount"}`, after every change and first), and `reset` (`{"reason"}`: what was missed cannot be replayed, refetch). A comment line every 20 s keeps proxies from closing the stream. The stream ends when the token (or the token a ticket was made with) expires; at most SSE_MAX_STREAMS_PER_USER per user (the oldest is closed). Browsers: `?ticket=` from POST /v1/notifications/stream-tickets, or `?access_token=` (never logged).
         */
        get: {
            parameters: {
                query?: {
                    /** @description The bearer token, for EventSource (prefer a ticket) */
                    access_token?: string;
                    /** @description A ticket from POST /v1/notifications/stream-tickets */
                    ticket?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A text/event-stream that stays open */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description A dependency (database, broker) is unavailable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/preferences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's channels per notification type (all on by default) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every in-app type with its channels */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            welcome: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            booking_confirmed: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            hall_booking_created: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                                /**
                                 * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                                 * @enum {string}
                                 */
                                digest: "off" | "hourly" | "daily";
                            };
                            booking_cancelled: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            hall_booking_cancelled: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                                /**
                                 * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                                 * @enum {string}
                                 */
                                digest: "off" | "hourly" | "daily";
                            };
                            announcement: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            booking_updated: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            hall_booking_updated: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                                /**
                                 * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                                 * @enum {string}
                                 */
                                digest: "off" | "hourly" | "daily";
                            };
                            booking_reminder: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        /**
         * Change some channels; answers the full map
         * @description The welcome email cannot be turned off: it carries credentials or an activation link.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description A partial map: only the named types and channels change */
            requestBody: {
                content: {
                    "application/json": {
                        welcome?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        booking_confirmed?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        hall_booking_created?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        booking_cancelled?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        hall_booking_cancelled?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        announcement?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        booking_updated?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        hall_booking_updated?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                        booking_reminder?: {
                            email?: boolean;
                            inApp?: boolean;
                            push?: boolean;
                            sms?: boolean;
                            /**
                             * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                             * @enum {string}
                             */
                            digest?: "off" | "hourly" | "daily";
                        };
                    };
                };
            };
            responses: {
                /** @description Every in-app type with its channels */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            welcome: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            booking_confirmed: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            hall_booking_created: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                                /**
                                 * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                                 * @enum {string}
                                 */
                                digest: "off" | "hourly" | "daily";
                            };
                            booking_cancelled: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            hall_booking_cancelled: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                                /**
                                 * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                                 * @enum {string}
                                 */
                                digest: "off" | "hourly" | "daily";
                            };
                            announcement: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            booking_updated: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                            hall_booking_updated: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                                /**
                                 * @description Hall-admin types only: take these emails as one hourly or daily digest (at DIGEST_DAILY_AT in your time zone) instead of one by one; in-app still arrives at once. Default off
                                 * @enum {string}
                                 */
                                digest: "off" | "hourly" | "daily";
                            };
                            booking_reminder: {
                                email: boolean;
                                inApp: boolean;
                                /** @description Web Push to every subscribed browser (default on) */
                                push: boolean;
                                /** @description A text message when a phone number is known (default off, except booking_cancelled) */
                                sms: boolean;
                            };
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/preferences/quiet-hours": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's quiet hours, or null */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Quiet hours, or null for none */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description Local time of day, HH:MM (24-hour)
                             * @example 22:00
                             */
                            start: string;
                            /**
                             * @description Local time of day, HH:MM (24-hour)
                             * @example 07:00
                             */
                            end: string;
                        } | null;
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        /**
         * Set the caller's quiet hours (null clears them); answers what is now set
         * @description Email, push and SMS that are not urgent wait until the quiet hours end, read in your own time zone (else the hall's for booking messages, else UTC); in-app notifications are never held. A cancellation or change less than 24 h before the start goes at once.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description Quiet hours, or null for none */
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * @description Local time of day, HH:MM (24-hour)
                         * @example 22:00
                         */
                        start: string;
                        /**
                         * @description Local time of day, HH:MM (24-hour)
                         * @example 07:00
                         */
                        end: string;
                    } | null;
                };
            };
            responses: {
                /** @description Quiet hours, or null for none */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /**
                             * @description Local time of day, HH:MM (24-hour)
                             * @example 22:00
                             */
                            start: string;
                            /**
                             * @description Local time of day, HH:MM (24-hour)
                             * @example 07:00
                             */
                            end: string;
                        } | null;
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/push/public-key": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The VAPID public key browsers subscribe with (no auth) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The VAPID public key (base64url, uncompressed P-256 point): pass it to pushManager.subscribe as applicationServerKey */
                            publicKey: string;
                        };
                    };
                };
                /** @description Web Push is off on this server (no VAPID keys) */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/push/subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's push subscriptions, oldest first */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                endpoint: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Subscribes this browser to the caller's push messages
         * @description Takes `PushSubscription.toJSON()`. The same endpoint again answers the same id (its keys are updated); an endpoint a different user subscribed before becomes the caller's. An endpoint whose host is or resolves to a loopback, private, link-local or metadata address is refused with 400 (unless listed in PUSH_ALLOWED_HOSTS).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description PushSubscription JSON, as the browser gives it */
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The push service URL of this browser (https) */
                        endpoint: string;
                        expirationTime?: number | null;
                        keys: {
                            /** @description base64url: the browser's P-256 public key (65 bytes, uncompressed) */
                            p256dh: string;
                            /** @description base64url: the 16-byte auth secret */
                            auth: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/push/subscriptions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Unsubscribes one of the caller's browsers */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Subscription id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/unsubscribe": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A page that asks to confirm (opening a link never unsubscribes: link scanners open links)
         * @description In the recipient's language (from the token, else Accept-Language). A hall admin's alert also offers every hall alert at once. A bad link gets a page saying so, with status 400.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The signed token from the email */
                    token?: string;
                    /** @description `all`: for a hall admin's alert, every hall alert type at once */
                    scope?: "all";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description HTML page with a confirm button */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
                /** @description HTML page: the link is not valid */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        /**
         * One-click unsubscribe (RFC 8058): turns this email type off for the token's user
         * @description With `scope=all` on a hall alert, every hall alert type. JSON, or an HTML page for a browser (Accept: text/html), errors included.
         */
        post: {
            parameters: {
                query?: {
                    /** @description The signed token from the email */
                    token?: string;
                    /** @description `all`: for a hall admin's alert, every hall alert type at once */
                    scope?: "all";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description JSON, or an HTML confirmation for browsers */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            unsubscribed: boolean;
                            type: string;
                            /** @description Every email type turned off */
                            types: string[];
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/emails": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Email deliveries, newest first (never bodies or secrets) */
        get: {
            parameters: {
                query: {
                    /** @description delivered: the destination confirmed it arrived (SMS delivery receipts), after sent */
                    status?: "pending" | "sent" | "delivered" | "failed" | "expired";
                    limit: number;
                    cursor?: string;
                    recipient?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                userId: string;
                                recipient: string;
                                /** @description The in-app type this email belongs to */
                                type: string;
                                template: string;
                                locale: string;
                                /** @description delivered: the destination confirmed it arrived (SMS delivery receipts), after sent */
                                status: "pending" | "sent" | "delivered" | "failed" | "expired";
                                attempts: number;
                                /**
                                 * Format: date-time
                                 * @description When a pending delivery is tried next
                                 */
                                nextAttemptAt: string | null;
                                lastError: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                                /** Format: date-time */
                                sentAt: string | null;
                                eventSource: string;
                                eventId: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/emails/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a failed email again, with a fresh round of attempts */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            userId: string;
                            recipient: string;
                            /** @description The in-app type this email belongs to */
                            type: string;
                            template: string;
                            locale: string;
                            /** @description delivered: the destination confirmed it arrived (SMS delivery receipts), after sent */
                            status: "pending" | "sent" | "delivered" | "failed" | "expired";
                            attempts: number;
                            /**
                             * Format: date-time
                             * @description When a pending delivery is tried next
                             */
                            nextAttemptAt: string | null;
                            lastError: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            /** Format: date-time */
                            sentAt: string | null;
                            eventSource: string;
                            eventId: string;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request conflicts with the current state */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Deliveries on every channel, newest first, with the instance holding each pending claim (never bodies or secrets) */
        get: {
            parameters: {
                query: {
                    /** @description delivered: the destination confirmed it arrived (SMS delivery receipts), after sent */
                    status?: "pending" | "sent" | "delivered" | "failed" | "expired";
                    limit: number;
                    cursor?: string;
                    channel?: "email" | "push" | "sms" | "webhook";
                    destination?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                /** @enum {string} */
                                channel: "email" | "push" | "sms" | "webhook";
                                userId: string | null;
                                /** @description Email address, push subscription id, phone number or webhook endpoint id */
                                destination: string;
                                /** @description The notification (or webhook event) type */
                                type: string;
                                /** Format: uuid */
                                notificationId: string | null;
                                /** @description The provider's id for the accepted message */
                                providerId: string | null;
                                /** @description The instance whose claim this pending delivery is under, if any */
                                heldBy: {
                                    /** Format: uuid */
                                    instanceId: string;
                                    host: string | null;
                                    pid: number | null;
                                } | null;
                                /**
                                 * Format: date-time
                                 * @description Planned for later than it was created: the end of the recipient's quiet hours, or a digest's window end
                                 */
                                deferredUntil: string | null;
                                /** @description Why it was planned for later, e.g. "quiet hours 22:00-07:00 (Europe/Berlin)" or "daily digest" */
                                deferralReason: string | null;
                                template: string;
                                locale: string;
                                /** @description delivered: the destination confirmed it arrived (SMS delivery receipts), after sent */
                                status: "pending" | "sent" | "delivered" | "failed" | "expired";
                                attempts: number;
                                /**
                                 * Format: date-time
                                 * @description When a pending delivery is tried next
                                 */
                                nextAttemptAt: string | null;
                                lastError: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                                /** Format: date-time */
                                sentAt: string | null;
                                eventSource: string;
                                eventId: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/deliveries/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a failed delivery again, with a fresh round of attempts */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            /** @enum {string} */
                            channel: "email" | "push" | "sms" | "webhook";
                            userId: string | null;
                            /** @description Email address, push subscription id, phone number or webhook endpoint id */
                            destination: string;
                            /** @description The notification (or webhook event) type */
                            type: string;
                            /** Format: uuid */
                            notificationId: string | null;
                            /** @description The provider's id for the accepted message */
                            providerId: string | null;
                            /** @description The instance whose claim this pending delivery is under, if any */
                            heldBy: {
                                /** Format: uuid */
                                instanceId: string;
                                host: string | null;
                                pid: number | null;
                            } | null;
                            /**
                             * Format: date-time
                             * @description Planned for later than it was created: the end of the recipient's quiet hours, or a digest's window end
                             */
                            deferredUntil: string | null;
                            /** @description Why it was planned for later, e.g. "quiet hours 22:00-07:00 (Europe/Berlin)" or "daily digest" */
                            deferralReason: string | null;
                            template: string;
                            locale: string;
                            /** @description delivered: the destination confirmed it arrived (SMS delivery receipts), after sent */
                            status: "pending" | "sent" | "delivered" | "failed" | "expired";
                            attempts: number;
                            /**
                             * Format: date-time
                             * @description When a pending delivery is tried next
                             */
                            nextAttemptAt: string | null;
                            lastError: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            /** Format: date-time */
                            sentAt: string | null;
                            eventSource: string;
                            eventId: string;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request conflicts with the current state */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Webhook endpoints, newest first (never their secrets) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                url: string;
                                events: ("notification.created" | "delivery.sent" | "delivery.delivered" | "delivery.failed")[];
                                description: string;
                                enabled: boolean;
                                /** @description Why the endpoint was disabled (410 Gone, failing for 5 days) */
                                disabledReason: string | null;
                                /** Format: date-time */
                                disabledAt: string | null;
                                /**
                                 * Format: date-time
                                 * @description First failed call since the last success; disabled after 5 days
                                 */
                                failingSince: string | null;
                                /** Format: date-time */
                                lastSuccessAt: string | null;
                                /**
                                 * Format: date-time
                                 * @description Until then, calls also carry a signature with the secret before the last rotation
                                 */
                                previousSecretExpiresAt: string | null;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        /** Register a webhook endpoint; the answer carries its signing secret, once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description http(s) URL; in production it must resolve to a public address */
                        url: string;
                        events: ("notification.created" | "delivery.sent" | "delivery.delivered" | "delivery.failed")[];
                        /** @default  */
                        description: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            /** @description whsec_ + base64 key; shown only in this answer */
                            secret: string;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One webhook endpoint, with why it was disabled */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            url: string;
                            events: ("notification.created" | "delivery.sent" | "delivery.delivered" | "delivery.failed")[];
                            description: string;
                            enabled: boolean;
                            /** @description Why the endpoint was disabled (410 Gone, failing for 5 days) */
                            disabledReason: string | null;
                            /** Format: date-time */
                            disabledAt: string | null;
                            /**
                             * Format: date-time
                             * @description First failed call since the last success; disabled after 5 days
                             */
                            failingSince: string | null;
                            /** Format: date-time */
                            lastSuccessAt: string | null;
                            /**
                             * Format: date-time
                             * @description Until then, calls also carry a signature with the secret before the last rotation
                             */
                            previousSecretExpiresAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Remove a webhook endpoint; its pending calls fail */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret; the old one keeps signing alongside it for 24 h */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            /** @description whsec_ + base64 key; shown only in this answer */
                            secret: string;
                            /** Format: date-time */
                            previousSecretExpiresAt: string;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every email template in every language, with the version in use and whether a draft is waiting */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                name: string;
                                locale: string;
                                /** @description The notification types sent with this template */
                                types: string[];
                                /** @description The version in use (0 = the file default, never published) */
                                version: number;
                                fileDefault: boolean;
                                hasDraft: boolean;
                                /** Format: date-time */
                                draftUpdatedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A template in one language: the version in use, the draft if any, and the values it must keep using */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            locale: string;
                            /** @description The notification types sent with this template */
                            types: string[];
                            /** @description The version in use (0 = the file default, never published) */
                            version: number;
                            current: {
                                /** @description 0 = the file default in templates/ */
                                version: number;
                                subject: string;
                                html: string;
                                text: string;
                                /** @description Renders from the file default (version 0, or a restore of it) */
                                fileDefault: boolean;
                                /** @description The version this one restored; null for a published draft */
                                restoredFrom: number | null;
                                /** @description The operator (token subject) who published it */
                                createdBy: string | null;
                                /** Format: date-time */
                                createdAt: string | null;
                            };
                            draft: {
                                subject: string;
                                html: string;
                                text: string;
                                /** @description The version in use when the draft was started */
                                basedOn: number;
                                updatedBy: string;
                                /** Format: date-time */
                                updatedAt: string;
                            } | null;
                            /** @description it.… values each part must keep using */
                            requiredVariables: {
                                subject: string[];
                                html: string[];
                                text: string[];
                            };
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        /** Save the draft (subject, HTML, text); refused with the reason when it does not compile, breaks the sandbox rules or drops a value the template needs */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        subject: string;
                        html: string;
                        text: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            subject: string;
                            html: string;
                            text: string;
                            /** @description The version in use when the draft was started */
                            basedOn: number;
                            updatedBy: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        post?: never;
        /** Discard the draft */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Discarded */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Render the draft (or the given source, or the version in use) as the email it would be, with sample data or the given data */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        source?: {
                            subject: string;
                            html: string;
                            text: string;
                        };
                        /** @description An email delivery's payload (the event data and the recipient); default: the sample event's */
                        data?: {
                            [key: string]: unknown;
                        };
                        /**
                         * @description Which notification type to render for (default: the first sent with this template)
                         * @enum {string}
                         */
                        type?: "welcome" | "booking_confirmed" | "hall_booking_created" | "booking_cancelled" | "hall_booking_cancelled" | "announcement" | "booking_updated" | "hall_booking_updated" | "booking_reminder";
                        /**
                         * @description Only email has editable templates
                         * @enum {string}
                         */
                        channel?: "email";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            subject: string;
                            html: string;
                            text: string;
                            /** @description The headers the email would carry (From, To, Subject, Message-ID, List-Unsubscribe, ...) */
                            headers: {
                                [key: string]: string;
                            };
                            /** @description What was rendered: the saved draft, the source in the request, or the version in use */
                            rendered: "draft" | "source" | "current";
                            type: string;
                            /** @description The language rendered */
                            lang: string;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publish the draft as the next version; every replica renders with it from now on */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description 0 = the file default in templates/ */
                            version: number;
                            subject: string;
                            html: string;
                            text: string;
                            /** @description Renders from the file default (version 0, or a restore of it) */
                            fileDefault: boolean;
                            /** @description The version this one restored; null for a published draft */
                            restoredFrom: number | null;
                            /** @description The operator (token subject) who published it */
                            createdBy: string | null;
                            /** Format: date-time */
                            createdAt: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request conflicts with the current state */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every published version, newest first, ending with version 0 (the file default) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                version: number;
                                fileDefault: boolean;
                                restoredFrom: number | null;
                                createdBy: string | null;
                                /** Format: date-time */
                                createdAt: string | null;
                                inUse: boolean;
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}/versions/{n}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One version with its texts (0 = the file default) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                    n: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description 0 = the file default in templates/ */
                            version: number;
                            subject: string;
                            html: string;
                            text: string;
                            /** @description Renders from the file default (version 0, or a restore of it) */
                            fileDefault: boolean;
                            /** @description The version this one restored; null for a published draft */
                            restoredFrom: number | null;
                            /** @description The operator (token subject) who published it */
                            createdBy: string | null;
                            /** Format: date-time */
                            createdAt: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}/versions/{n}/restore": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publish an earlier version again, as a new version (0 = back to the file default) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                    n: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description 0 = the file default in templates/ */
                            version: number;
                            subject: string;
                            html: string;
                            text: string;
                            /** @description Renders from the file default (version 0, or a restore of it) */
                            fileDefault: boolean;
                            /** @description The version this one restored; null for a published draft */
                            restoredFrom: number | null;
                            /** @description The operator (token subject) who published it */
                            createdBy: string | null;
                            /** Format: date-time */
                            createdAt: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/templates/{name}/{locale}/diff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Line diff of subject, HTML and text between two versions (0 = the file default) */
        get: {
            parameters: {
                query: {
                    from: number;
                    to: number;
                };
                header?: never;
                path: {
                    /** @description Template name, e.g. booking-confirmed */
                    name: string;
                    /** @description Language, e.g. de */
                    locale: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            locale: string;
                            from: number;
                            to: number;
                            subject: {
                                added: number;
                                removed: number;
                                changes: {
                                    kind: "same" | "added" | "removed";
                                    lines: string[];
                                }[];
                            };
                            html: {
                                added: number;
                                removed: number;
                                changes: {
                                    kind: "same" | "added" | "removed";
                                    lines: string[];
                                }[];
                            };
                            text: {
                                added: number;
                                removed: number;
                                changes: {
                                    kind: "same" | "added" | "removed";
                                    lines: string[];
                                }[];
                            };
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Created, sent, failed, read and unsubscribed per hour or day, type and channel, with median and p90 times to delivery and to read
         * @description Buckets whose start lies in [from floored to the interval, to). Times come from histograms with quarter-octave bins, so a median or p90 is within about 9% of the exact value (durations under 10 ms are reported as 5). At most 31 days by hour, 400 days by day.
         */
        get: {
            parameters: {
                query: {
                    /** @description Default: to minus a day (hour) or 30 days (day) */
                    from?: string;
                    /** @description Default: now */
                    to?: string;
                    interval: "hour" | "day";
                    type?: string;
                    channel?: "inApp" | "email" | "push" | "sms" | "webhook";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: date-time */
                            from: string;
                            /** Format: date-time */
                            to: string;
                            interval: "hour" | "day";
                            buckets: {
                                /**
                                 * Format: date-time
                                 * @description Start of the hour or day (UTC)
                                 */
                                start: string;
                                /** @description Notification type (or webhook event type on the webhook channel) */
                                type: string;
                                /** @enum {string} */
                                channel: "inApp" | "email" | "push" | "sms" | "webhook";
                                /** @description In-app notifications created, or deliveries planned on this channel */
                                created: number;
                                /** @description Deliveries that became sent in this bucket */
                                sent: number;
                                /** @description Deliveries that became failed in this bucket */
                                failed: number;
                                /** @description In-app notifications marked read in this bucket */
                                read: number;
                                /** @description Users who switched this channel off for this type (the email link or their preferences) */
                                unsubscribed: number;
                                /** @description Median time from the event being recorded to the delivery being sent, of those sent in this bucket */
                                medianToDeliveryMs: number | null;
                                /** @description 90th percentile of the same */
                                p90ToDeliveryMs: number | null;
                                /** @description Median time from the notification being created to it being read, of those read in this bucket */
                                medianToReadMs: number | null;
                                /** @description 90th percentile of the same */
                                p90ToReadMs: number | null;
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/announcements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Announcements, newest first, with their counts per channel */
        get: {
            parameters: {
                query: {
                    limit: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** Format: uuid */
                                id: string;
                                title: string;
                                body: string;
                                url: string | null;
                                /** @description Who gets it: exactly one of all, userIds, hallId */
                                audience: {
                                    /** @enum {boolean} */
                                    all: true;
                                } | {
                                    userIds: string[];
                                } | {
                                    hallId: string;
                                };
                                channels: ("inApp" | "email" | "push")[];
                                /** Format: date-time */
                                sendAt: string;
                                /** @description scheduled until sendAt; sending while it fans out in batches; sent when every recipient is reached; cancelled (what was sent stays sent) */
                                status: "scheduled" | "sending" | "sent" | "cancelled";
                                /** @description Recipients reached so far */
                                recipients: number;
                                /** @description Per channel: in-app notifications created, emails and pushes queued so far */
                                counts: {
                                    inApp: number;
                                    email: number;
                                    push: number;
                                };
                                createdBy: string;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                startedAt: string | null;
                                /** Format: date-time */
                                finishedAt: string | null;
                                /** Format: date-time */
                                cancelledAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        /** Schedule an announcement to all users, a list of users or the people of one hall */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        title: string;
                        body: string;
                        /** @description A path in the app (under APP_URL) the notification and email link to */
                        url?: string;
                        /** @description Who gets it: exactly one of all, userIds, hallId */
                        audience: {
                            /** @enum {boolean} */
                            all: true;
                        } | {
                            userIds: string[];
                        } | {
                            hallId: string;
                        };
                        channels: ("inApp" | "email" | "push")[];
                        /**
                         * Format: date-time
                         * @description When to send it; now when absent. Not in the past, at most a year ahead
                         */
                        sendAt?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            title: string;
                            body: string;
                            url: string | null;
                            /** @description Who gets it: exactly one of all, userIds, hallId */
                            audience: {
                                /** @enum {boolean} */
                                all: true;
                            } | {
                                userIds: string[];
                            } | {
                                hallId: string;
                            };
                            channels: ("inApp" | "email" | "push")[];
                            /** Format: date-time */
                            sendAt: string;
                            /** @description scheduled until sendAt; sending while it fans out in batches; sent when every recipient is reached; cancelled (what was sent stays sent) */
                            status: "scheduled" | "sending" | "sent" | "cancelled";
                            /** @description Recipients reached so far */
                            recipients: number;
                            /** @description Per channel: in-app notifications created, emails and pushes queued so far */
                            counts: {
                                inApp: number;
                                email: number;
                                push: number;
                            };
                            createdBy: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            startedAt: string | null;
                            /** Format: date-time */
                            finishedAt: string | null;
                            /** Format: date-time */
                            cancelledAt: string | null;
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/announcements/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One announcement, with its counts per channel */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            title: string;
                            body: string;
                            url: string | null;
                            /** @description Who gets it: exactly one of all, userIds, hallId */
                            audience: {
                                /** @enum {boolean} */
                                all: true;
                            } | {
                                userIds: string[];
                            } | {
                                hallId: string;
                            };
                            channels: ("inApp" | "email" | "push")[];
                            /** Format: date-time */
                            sendAt: string;
                            /** @description scheduled until sendAt; sending while it fans out in batches; sent when every recipient is reached; cancelled (what was sent stays sent) */
                            status: "scheduled" | "sending" | "sent" | "cancelled";
                            /** @description Recipients reached so far */
                            recipients: number;
                            /** @description Per channel: in-app notifications created, emails and pushes queued so far */
                            counts: {
                                inApp: number;
                                email: number;
                                push: number;
                            };
                            createdBy: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            startedAt: string | null;
                            /** Format: date-time */
                            finishedAt: string | null;
                            /** Format: date-time */
                            cancelledAt: string | null;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Cancel an announcement not yet (fully) sent: no further recipients get it; what was sent stays sent */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: uuid */
                            id: string;
                            title: string;
                            body: string;
                            url: string | null;
                            /** @description Who gets it: exactly one of all, userIds, hallId */
                            audience: {
                                /** @enum {boolean} */
                                all: true;
                            } | {
                                userIds: string[];
                            } | {
                                hallId: string;
                            };
                            channels: ("inApp" | "email" | "push")[];
                            /** Format: date-time */
                            sendAt: string;
                            /** @description scheduled until sendAt; sending while it fans out in batches; sent when every recipient is reached; cancelled (what was sent stays sent) */
                            status: "scheduled" | "sending" | "sent" | "cancelled";
                            /** @description Recipients reached so far */
                            recipients: number;
                            /** @description Per channel: in-app notifications created, emails and pushes queued so far */
                            counts: {
                                inApp: number;
                                email: number;
                                push: number;
                            };
                            createdBy: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            startedAt: string | null;
                            /** Format: date-time */
                            finishedAt: string | null;
                            /** Format: date-time */
                            cancelledAt: string | null;
                        };
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description No such id for this user */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The request conflicts with the current state */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/reminders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Booking reminders (scheduled, sent or cancelled), latest due time first */
        get: {
            parameters: {
                query: {
                    status?: "scheduled" | "sent" | "cancelled";
                    bookingId?: string;
                    limit: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /**
                                 * Format: uuid
                                 * @description Also the eventId of the notification and deliveries it wrote
                                 */
                                id: string;
                                bookingId: string;
                                userId: string;
                                /** @description How long before startsAt it goes out (REMINDER_OFFSETS) */
                                offsetSeconds: number;
                                /** Format: date-time */
                                startsAt: string;
                                /** Format: date-time */
                                dueAt: string;
                                status: "scheduled" | "sent" | "cancelled";
                                /** @description Failed runs so far (it is tried again with backoff) */
                                attempts: number;
                                lastError: string | null;
                                /** Format: date-time */
                                sentAt: string | null;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid input; the message says what is wrong */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Missing, invalid or expired token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description The token lacks the role this call needs */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
                /** @description Rate limited; retry after the Retry-After header */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorResponse"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An error, in Fastify's shape */
        ErrorResponse: {
            statusCode: number;
            code?: string;
            error: string;
            message: string;
        };
        Notification: {
            /** Format: uuid */
            id: string;
            /** @description One of the in-app types */
            type: string;
            /**
             * @description booking, account or announcement (derived from the type)
             * @enum {string}
             */
            category: "booking" | "account" | "announcement";
            title: string;
            body: string;
            /** @description Where the app shows it: a path under APP_URL, e.g. /bookings/b-7 */
            url: string;
            /**
             * @description Ids and times, by `type`:
             *     - `welcome`: `userId`
             *     - `booking_confirmed`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`
             *     - `hall_booking_created`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`
             *     - `booking_cancelled`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`, `cancelledAt`, `cancelledById`
             *     - `hall_booking_cancelled`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`, `cancelledAt`, `cancelledById`
             *     - `announcement`: `announcementId`, `url`?
             *     - `booking_updated`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`, `previousStartsAt`, `previousEndsAt`, `previousHallId`
             *     - `hall_booking_updated`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`, `previousStartsAt`, `previousEndsAt`, `previousHallId`
             *     - `booking_reminder`: `bookingId`, `bookingReference`?, `bookingTitle`, `hallId`, `hallName`, `startsAt`, `endsAt`, `timeZone`, `reminderOffsetSeconds`
             */
            data: {
                [key: string]: unknown;
            };
            /** Format: date-time */
            createdAt: string;
            /**
             * Format: date-time
             * @description null while unread (read: the user opened it)
             */
            readAt: string | null;
            /**
             * Format: date-time
             * @description null until seen (seen: the user opened the bell)
             */
            seenAt: string | null;
            /**
             * Format: date-time
             * @description null unless archived
             */
            archivedAt: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
