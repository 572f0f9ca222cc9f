// Generated from the node's OpenAPI document by `npm run gen:api`. Do not edit.
export interface paths {
    "/api/v1/appointments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The appointments of a day, by slot. */
        get: operations["list_appointments"];
        put?: never;
        /** Book an appointment in a slot with a free place; the answer carries its booking code. */
        post: operations["book"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/appointments/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a booked appointment (desk), freeing its place. Audited with the reason. */
        post: operations["cancel_appointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/appointments/{id}/move": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Move a booked appointment to another day or slot, by the same rules as a booking. */
        post: operations["move_appointment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who did what, to which patient, when and where — newest first, filterable. */
        get: operations["trail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/break-glass": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Emergency (break-glass) access: for 15 minutes this session may read patient
         *     records even if its role normally may not. Always on the audit trail, with the reason.
         */
        post: operations["break_glass"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log in with a username and password. Failed logins are throttled per username and
         *     client address, and per address: after 5 failures of one username from one machine
         *     within 15 minutes, that username is refused from that machine (`account_locked`)
         *     for 15 minutes, while it still logs in from any other; after 20 failures from one
         *     machine within 15 minutes, whatever the usernames, every login from it is refused
         *     (`rate_limited`) for 15 minutes. A refusal answers 429 with `Retry-After` (seconds),
         *     without checking the password.
         */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** End this session. */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who the token belongs to. */
        get: operations["me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Choose a new password for one's own account (staff). After a reset this is the
         *     only thing the session may do; once changed it may do what its role may, and the
         *     account's other sessions end.
         */
        post: operations["change_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/calls": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Today's most recent calls, newest first, for the waiting-room display. */
        get: operations["calls"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/clinic": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The clinic's name and time zone. */
        get: operations["clinic"];
        /** Change the clinic's name, time zone and ticket message (admin). */
        put: operations["put_clinic"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conflicts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Ticket steps that lost to a concurrent step on another device (for example two
         *     counters calling one ticket while cut off from each other), newest first.
         */
        get: operations["conflicts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/counters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counters and rooms, with the services each calls from. */
        get: operations["counters"];
        put?: never;
        /**
         * Add a counter or room (admin); the node makes its id from the name (`Loket 3` →
         *     `loket-3`). Every service it names must exist.
         */
        post: operations["create_counter"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/counters/{counter_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Add or change a counter or room (admin). */
        put: operations["put_counter"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/counters/{counter_id}/call-next": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Call the next ticket, in calling order, from the services this counter serves. A
         *     counter holds one ticket at a time: while it still holds one, say what becomes of it
         *     (`{"current": "complete" | "no_show" | "requeue"}`), or the call is refused with
         *     `counter_busy` and nothing changes.
         */
        post: operations["call_next"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Registered devices (admin). */
        get: operations["devices"];
        put?: never;
        /** Register a kiosk, desk or display (admin). */
        post: operations["create_device"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke a device: its token stops working (admin). */
        post: operations["revoke_device"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live updates as server-sent events, each a [`LiveMessage`]: `hello` first, then
         *     `ticket` (a ticket changed), `call` (a ticket was called: displays announce it),
         *     `config`, and `resync` (messages were missed: reload). Browsers pass the token as
         *     `?access_token=`.
         */
        get: operations["events"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/patients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Find patients (at most 50). */
        get: operations["search_patients"];
        put?: never;
        /** Register a patient. Every field is optional; each given one is validated. */
        post: operations["register_patient"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/printer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The ticket printer of this node: configured or not, its current fault, jobs waiting. */
        get: operations["printer"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/printer/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Print a test page on this node's printer now (admin). */
        post: operations["printer_test"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/public/tickets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A ticket's public status, for the page its QR code opens. No token needed: the
         *     ticket's random id is the key, and the answer holds no patient data.
         */
        get: operations["public"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The report of a range of days: per service and for the whole clinic (issued,
         *     served, no-shows, cancelled; waiting time p50/p90/max from the issue or check-in to
         *     the first call; service time p50/p90 per finished step; the share called within the
         *     service's target wait), tickets by hour and by weekday × hour in the clinic's zone,
         *     per counter and per staff member, appointments, and the wait estimate's mean
         *     absolute error. Percentiles are nearest-rank. Admin and desk.
         */
        get: operations["summary_json"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/summary.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The same report as CSV: one section per table (a `# name` line, a header row of the
         *     JSON's field names, its rows), an empty line between them; the whole clinic is the
         *     last row of `per_service`, with its `service` empty.
         */
        get: operations["summary_csv"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reports/summary.xlsx": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The same report as an XLSX workbook, one sheet per table of the CSV. */
        get: operations["summary_xlsx"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Services with live waiting counts and the wait for a ticket taken now. */
        get: operations["services"];
        put?: never;
        /**
         * Add a service (admin). Its code is the label prefix (`A`); `service_exists` when
         *     a service has that code (change one with `PUT /api/v1/services/{code}`).
         */
        post: operations["create_service"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Add or change a service (admin). The code is the label prefix (`A`). */
        put: operations["put_service"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/services/{code}/schedule": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set when a service takes appointments and how many (admin): weekly hours, slot
         *     length, places per slot and how many of them patients may book online, closed days.
         *     It syncs like every setting; bookings already made keep their times (a time the new
         *     schedule has no slot at shows as outside it).
         */
        put: operations["put_schedule"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/slots": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The slots of a service's day by its schedule: start and end, places online and at
         *     the desk, the live bookings of each share, free / full / over capacity, whether it
         *     has passed, and any time with bookings the schedule no longer has.
         */
        get: operations["appointment_slots"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sync/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sync at a glance: each peer and the cloud, when last reached, what they still lack,
         *     clock skew, how many tickets have conflicts, and the clinic's label authority (who it
         *     is, how it was chosen, and `conflict` when a second one was found).
         */
        get: operations["status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Today's tickets, optionally of one service and status. */
        get: operations["list_tickets"];
        put?: never;
        /**
         * Take a ticket: a walk-in for a service, or an appointment check-in by booking code.
         *     The ticket is stored durably before the response is sent.
         */
        post: operations["issue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One ticket. A kiosk may read only the tickets it took. */
        get: operations["get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a ticket (desk), for a reason: it leaves the queue and the display. Audited
         *     with the reason. A ticket being served, finished or already cancelled cannot be.
         */
        post: operations["cancel_ticket"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/print.png": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The ticket as it was printed (its newest print job), rendered as a PNG. */
        get: operations["print_png"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tickets/{id}/{action}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A lifecycle step: `call` (`{counter}`), `recall`, `serve`, `complete`, `no-show`,
         *     `requeue`, `transfer` (`{service}`; answers with the new ticket); or `reprint` (409
         *     `no_printer` when this node has none). Cancelling has its own operation, with a reason.
         */
        post: operations["act"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Staff accounts, with the machines each is locked against after failed logins
         *     (admin).
         */
        get: operations["users"];
        put?: never;
        /** Create a staff account (admin). */
        post: operations["create_user"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Change an account's name, role or whether it may log in (admin). Disabling ends
         *     its sessions at once; so does a change of role (it logs in again with the new one).
         *     An admin cannot disable or demote their own account (`own_account`), and the clinic
         *     keeps at least one active admin (`last_admin`).
         */
        put: operations["update_user"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Give another account a temporary password (admin): its sessions end, and the next login
         *     with the temporary password may only choose a new one (`must_change_password`).
         */
        post: operations["reset_password"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/unlock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Lift an account's login locks from every machine and forget its failed logins
         *     (admin). On the audit trail as `login_unlocked`.
         */
        post: operations["unlock"];
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
        /** @description The body some steps need. */
        ActionBody: {
            counter?: null | components["schemas"]["CounterId"];
            service?: null | components["schemas"]["ServiceCode"];
        };
        /** @description A booked appointment: one patient, one service, one slot on one day. */
        Appointment: {
            /**
             * @description Which share of the slot it was booked from: the desk's, or online through the
             *     cloud (desk for bookings made before there was a choice).
             */
            channel?: components["schemas"]["Channel"];
            /** @description Short code the patient types or scans at the kiosk. */
            code: string;
            /** @description Whether the patient agreed to reminders by message (asked when booking online). */
            consent_messages?: boolean;
            /**
             * Format: date
             * @description The clinic-local day.
             */
            date: string;
            /** @description Identity of the appointment. */
            id: components["schemas"]["AppointmentId"];
            /**
             * @description Booked beyond the desk's places, as the desk confirmed: shown as an overbooking
             *     to every desk.
             */
            overbooked?: boolean;
            patient?: null | components["schemas"]["PatientId"];
            /** @description The service booked. */
            service: components["schemas"]["ServiceCode"];
            /**
             * Format: int32
             * @description Length of the slot in minutes.
             */
            slot_minutes: number;
            /**
             * @description The clinic-local start of the slot.
             * @example 09:30:00
             */
            slot_start: string;
        };
        /** @description The appointments of the range. */
        AppointmentFigures: {
            /**
             * Format: int32
             * @description Every booking of the range: `cancelled + checked_in + missed + upcoming`.
             */
            booked: number;
            /**
             * Format: int32
             * @description Cancelled.
             */
            cancelled: number;
            /**
             * Format: int32
             * @description Checked in: a ticket was issued for it.
             */
            checked_in: number;
            /**
             * Format: int32
             * @description Neither, and its slot has ended.
             */
            missed: number;
            /**
             * Format: int32
             * @description Neither, and its slot has not ended yet.
             */
            upcoming: number;
        };
        /**
         * Format: uuid
         * @description A booked appointment.
         */
        AppointmentId: string;
        /**
         * @description Where an appointment stands.
         * @enum {string}
         */
        AppointmentStatus: "booked" | "checked_in" | "cancelled";
        /** @description An appointment as the desk sees it. */
        AppointmentView: components["schemas"]["Appointment"] & {
            /** @description The patient's name, for the desk's list. */
            patient_name?: string | null;
            /** @description Where it stands. */
            status: components["schemas"]["AppointmentStatus"];
            ticket?: null | components["schemas"]["TicketId"];
        };
        /** @description One line of the audit trail. */
        AuditRow: {
            /** @description What: an event kind (`patient_set`, `call`…) or an audit action (`login_failed`…). */
            action: string;
            /** @description Who: `system`, `staff:<id>` or `device:<id>`. */
            actor: string;
            /**
             * Format: int64
             * @description When (ms since the Unix epoch, by the device's clock).
             */
            at_ms: number;
            /**
             * @description What a configuration change did, as short stable codes, some with a value
             *     after `:`: `created`, `registered`, `name`, `role:<role>`, `disabled`,
             *     `enabled`, `password_reset`, `password_changed`, `revoked`, `token_renewed`,
             *     `closed`, `opened`, `services:<A,B>`, `time_zone:<zone>`, `ticket_message`.
             *     Empty for other entries.
             */
            changes: string[];
            /** @description The device it happened on. */
            device: string;
            /** @description `ok`, `denied` or `failed`. */
            outcome: string;
            /** @description The patient concerned, if any. */
            patient?: string | null;
            /**
             * Format: int64
             * @description Its place in that device's series.
             */
            seq: number;
            /**
             * @description What else it concerned: a username for logins; the account, device, counter,
             *     service (`A · Poli Umum`) or clinic a configuration change was made to.
             */
            subject?: string | null;
        };
        /**
         * @description How the authority was found, as the admin screen shows it.
         * @enum {string}
         */
        Basis: "cloud" | "hub" | "chosen" | "alone" | "undecided";
        /** @description Why emergency access is needed. */
        BreakGlassRequest: {
            /** @description The reason, in a sentence (no patient data): it goes on the audit trail. */
            reason: string;
        };
        /** @description Emergency access granted. */
        BreakGlassResponse: {
            /**
             * Format: int64
             * @description Patient records may be read for this many seconds with this session.
             */
            seconds: number;
        };
        /** @description The body of `call-next`, which may be left out while the counter holds nobody. */
        CallNext: {
            current?: null | components["schemas"]["Handover"];
        };
        /** @description A call, as the waiting-room display shows it. */
        CallView: {
            /**
             * Format: date-time
             * @description When it was (last) called.
             */
            called_at: string;
            /** @description The counter it was called to. */
            counter: components["schemas"]["CounterId"];
            /** @description That counter's name. */
            counter_name: string;
            /** @description The ticket. */
            id: components["schemas"]["TicketId"];
            /** @description Its label. */
            label: string;
            /** @description The same in English. */
            next_en?: string | null;
            /**
             * @description Once that step is over, where the patient goes next (`Ruang Periksa Umum`,
             *     `Laboratorium`), in Bahasa Indonesia; null while there or when the visit is over.
             */
            next_id?: string | null;
            /** @description Its service. */
            service: components["schemas"]["ServiceCode"];
            /** @description Its current status (`called`, `serving`, …). */
            status: components["schemas"]["TicketStatus"];
        };
        /** @description Why something is cancelled. */
        CancelBody: {
            /** @description One line, 1 to 200 characters; it goes on the audit trail. */
            reason: string;
        };
        /**
         * @description Who books a place: the two shares of a slot.
         * @enum {string}
         */
        Channel: "desk" | "online";
        /** @description A clinic: its name and the time zone that decides when a service day starts. */
        Clinic: {
            /** @description Identity shared by every device of the clinic. */
            id: components["schemas"]["ClinicId"];
            /**
             * @description The language of the kiosk and the waiting-room display (the kiosk goes back to it
             *     after each patient; calls are spoken in both): Bahasa Indonesia unless set.
             */
            language?: components["schemas"]["Lang"];
            /** @description Name printed on tickets and shown on screens. */
            name: string;
            /**
             * @description Whether a transfer gives the patient a new number in the service they are sent
             *     to (printed there and shown on their status page). By default (`false`) the
             *     patient keeps one label for the whole visit.
             */
            new_label_on_transfer?: boolean;
            /**
             * @description Whether a patient gets a new number at each step of a visit (registration, then
             *     the poli's room), printed at the desk that finishes the step and shown on their
             *     status page. By default (`false`) the number stays for every step.
             */
            new_label_per_step?: boolean;
            /** @description The same message in English. */
            ticket_message_en?: string | null;
            /**
             * @description The message printed at the bottom of each ticket, in Bahasa Indonesia (a default
             *     when unset).
             */
            ticket_message_id?: string | null;
            /** @description IANA time zone, e.g. `Asia/Jakarta`; labels restart at its local midnight. */
            time_zone: string;
        };
        /**
         * Format: uuid
         * @description A clinic of the chain.
         */
        ClinicId: string;
        /** @description The clinic's settings as an admin changes them. */
        ClinicSettings: {
            language?: null | components["schemas"]["Lang"];
            /** @description Name printed on tickets and shown on screens. */
            name: string;
            /**
             * @description Whether a transfer gives the patient a new number in the service they are sent
             *     to; left out, it stays as it was (one label for the whole visit at first).
             */
            new_label_on_transfer?: boolean | null;
            /**
             * @description Whether each step of a visit (registration, then the room) gives the patient a
             *     new number, printed where the step is finished; left out, it stays as it was
             *     (one number for every step at first).
             */
            new_label_per_step?: boolean | null;
            /** @description Ticket message in English (default when absent or blank). */
            ticket_message_en?: string | null;
            /** @description Ticket message in Bahasa Indonesia (default when absent or blank). */
            ticket_message_id?: string | null;
            /** @description IANA time zone, e.g. `Asia/Jakarta`. */
            time_zone: string;
        };
        /** @description A ticket step that lost to a concurrent one, for staff to look at. */
        ConflictView: {
            /**
             * Format: int64
             * @description When the refused step was taken (ms since the Unix epoch).
             */
            at_ms: number;
            /** @description The counter that asked for the refused step, when it names one. */
            counter?: string | null;
            /** @description Its label. */
            label: string;
            /** @description Why it was refused, e.g. it had already been called at another counter. */
            reason: string;
            /** @description Its service. */
            service: components["schemas"]["ServiceCode"];
            /** @description The refused step (`call`, `serve`, …). */
            step: string;
            /** @description The ticket. */
            ticket: components["schemas"]["TicketId"];
        };
        /** @description A counter (loket) or clinician room, and the services whose queues it calls from. */
        Counter: {
            /** @description Identity within the clinic. */
            id: components["schemas"]["CounterId"];
            /** @description Name called out and shown on the display, e.g. `Loket 2` or `Ruang Gigi`. */
            name: string;
            /** @description Services this counter serves, in the order it prefers them. */
            services: components["schemas"]["ServiceCode"][];
            /**
             * @description The steps of those services it serves (a loket: `registration`; a room: `room`).
             *     None: every step.
             */
            steps?: components["schemas"]["StepId"][];
        };
        /** @description One counter's work. */
        CounterFigures: {
            /** @description The counter. */
            counter: components["schemas"]["CounterId"];
            /**
             * Format: double
             * @description Their mean service time in seconds.
             */
            mean_service_s?: number | null;
            /**
             * Format: int32
             * @description Steps finished there.
             */
            served: number;
        };
        /**
         * @description The identity of a counter or clinician room, a short slug such as `loket-1`.
         * @example loket-1
         */
        CounterId: string;
        /** @description A counter's name and the services it calls from. */
        CounterSettings: {
            /** @description Name called out and shown on the display. */
            name: string;
            /** @description Services it calls from, in the order it prefers them. */
            services: components["schemas"]["ServiceCode"][];
            /**
             * @description The steps of those services it serves (a loket `registration`, a room `room`);
             *     empty: every step. Left out: every step for a new counter, unchanged for one
             *     that exists.
             */
            steps?: components["schemas"]["StepId"][] | null;
        };
        /** @description A new device and its token (shown only in this response). */
        CreatedDevice: components["schemas"]["DeviceView"] & {
            /** @description Its bearer token. */
            token: string;
        };
        /**
         * @description A day of the week, as a schedule names it.
         * @enum {string}
         */
        Day: "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
        /**
         * Format: uuid
         * @description A device (node) that writes its own series of events: kiosk, desk, display.
         */
        DeviceId: string;
        /**
         * @description What a device is for; it limits what its token may do.
         * @enum {string}
         */
        DeviceRole: "kiosk" | "desk" | "display";
        /** @description A device without its token hash. */
        DeviceView: {
            /** @description Device id. */
            id: components["schemas"]["DeviceId"];
            /** @description Name. */
            name: string;
            /** @description Whether its token is refused. */
            revoked: boolean;
            /** @description Role. */
            role: components["schemas"]["DeviceRole"];
        };
        /** @description The body of every error answer, from the node's API, between nodes and from the cloud. */
        ErrorBody: {
            /** @description Stable machine-readable code, e.g. `queue_empty`, `invalid_transition`. */
            code: components["schemas"]["ErrorCode"];
            /** @description What happened, for people. */
            message: string;
        };
        /**
         * @description Why a request was refused: a stable, machine-readable code.
         * @enum {string}
         */
        ErrorCode: "validation_failed" | "bad_json" | "bad_request" | "method_not_allowed" | "unsupported_media_type" | "payload_too_large" | "too_many_events" | "rate_limited" | "unknown_action" | "unauthorized" | "invalid_credentials" | "account_locked" | "forbidden" | "unauthenticated" | "stale_request" | "revoked" | "bad_code" | "token_expired" | "session_revoked" | "clinic_not_on_account" | "oidc_unknown_subject" | "oidc_login_expired" | "oidc_refused" | "oidc_provider_unavailable" | "not_found" | "queue_empty" | "invalid_transition" | "counter_busy" | "duplicate_nik" | "username_taken" | "own_account" | "last_admin" | "service_exists" | "password_change_required" | "wrong_password" | "service_closed" | "appointment_cancelled" | "already_checked_in" | "slot_full" | "appointment_not_today" | "no_printer" | "printer_fault" | "clinic_exists" | "sync_off" | "wrong_clinic" | "sync_refused" | "bad_body" | "not_authority" | "booking_authority_unreachable" | "storage_unavailable" | "disk_full" | "internal" | "unknown";
        /**
         * @description How full a slot is.
         * @enum {string}
         */
        Fullness: "free" | "full" | "over_capacity";
        /**
         * @description What becomes of the ticket a counter still holds when it calls the next one.
         * @enum {string}
         */
        Handover: "complete" | "no_show" | "requeue";
        /** @description Opening hours on one day of the week: slots start at `opens` and end by `closes`. */
        Hours: {
            /**
             * @description Every slot ends by this time, clinic-local.
             * @example 14:00
             */
            closes: string;
            /** @description The day of the week. */
            day: components["schemas"]["Day"];
            /**
             * @description When the first slot starts, clinic-local.
             * @example 08:00
             */
            opens: string;
        };
        /**
         * @description The clinic's label authority as this node knows it (`labels` in
         *     `GET /api/v1/sync/status`).
         */
        LabelAuthority: {
            /** @description How the authority was found. */
            basis: components["schemas"]["Basis"];
            /** @description The nodes whose claim to be the authority stands in the log. */
            claims: components["schemas"]["DeviceId"][];
            /**
             * @description A second authority: two nodes claim, or another node than the one followed does.
             *     Every node then gives device-marked numbers until the configuration is fixed.
             */
            conflict: boolean;
            device?: null | components["schemas"]["DeviceId"];
            /** @description Whether this node now gives device-marked numbers only (`A-1F3C-001`). */
            marked_only: boolean;
            /** @description Whether this node is the authority. */
            this_node: boolean;
            /** @description The address this node asks for blocks (the cloud, the hub, the chosen peer). */
            url?: string | null;
            /** @description Configured peers not heard from yet (while `undecided`). */
            waiting_for: string[];
        };
        /**
         * @description A language Medicloud speaks, spelt by its tag (`id`, `en`).
         * @enum {string}
         */
        Lang: "id" | "en";
        /**
         * @description What is at the other end of a link.
         * @enum {string}
         */
        LinkKind: "peer" | "cloud";
        /** @description What a link last saw, as `GET /api/v1/sync/status` shows it. */
        LinkStatus: {
            /**
             * Format: int64
             * @description How far the other side's clock is ahead of this node's (negative: behind), in ms.
             */
            clock_skew_ms?: number | null;
            /** @description Peer or cloud. */
            kind: components["schemas"]["LinkKind"];
            /**
             * Format: int64
             * @description When it was last reached (ms since the Unix epoch), if ever.
             */
            last_contact_ms?: number | null;
            /** @description Why the last attempt failed, if it did. */
            last_error?: string | null;
            /**
             * Format: int64
             * @description Events this node holds that the other side lacked at the last contact (or since).
             */
            pending_out: number;
            /**
             * Format: int64
             * @description Rounds that reached the other side, started by new events (a push), not by the timer.
             */
            pushed_rounds: number;
            /** @description Whether the last attempt reached it. */
            reachable: boolean;
            /** @description Base URL of the other side. */
            url: string;
        };
        /** @description One server-sent event of the live stream. */
        LiveEvent: {
            /** @description the message, as JSON */
            data: string;
            /** @enum {string} */
            event: "ticket" | "call" | "config" | "hello" | "resync";
        };
        /**
         * @description One message on the live stream (`GET /api/v1/events`, server-sent events; the SSE
         *     event name is the `type`, the data this object as JSON).
         */
        LiveMessage: {
            counter?: null | components["schemas"]["CounterId"];
            /** @description The ticket. */
            id: components["schemas"]["TicketId"];
            /** @description Its label. */
            label: string;
            /** @description Its service. */
            service: components["schemas"]["ServiceCode"];
            /** @description Its new status. */
            status: components["schemas"]["TicketStatus"];
            /** @enum {string} */
            type: "ticket";
        } | {
            /** @description The calling counter. */
            counter: components["schemas"]["CounterId"];
            /** @description The counter's name, e.g. `Loket 2`. */
            counter_name: string;
            /** @description The ticket. */
            id: components["schemas"]["TicketId"];
            /** @description Its label, e.g. `A-012`. */
            label: string;
            /** @description Whether this is a repeat call. */
            recall: boolean;
            /** @description Its service. */
            service: components["schemas"]["ServiceCode"];
            /** @enum {string} */
            type: "call";
        } | {
            /** @description What kind of record changed, e.g. `service_set`. */
            kind: string;
            /** @enum {string} */
            type: "config";
        } | {
            /** @enum {string} */
            type: "hello";
        } | {
            /** @enum {string} */
            type: "resync";
        };
        /** @description A machine an account is locked against after failed logins from it. */
        LoginLock: {
            /**
             * @description The machine's IP address; `null` when the node could not tell (a request that
             *     came through no socket).
             */
            address?: string | null;
            /**
             * Format: int64
             * @description Seconds until the lock is over.
             */
            seconds_left: number;
        };
        /** @description Credentials. */
        LoginRequest: {
            /** @description Password. */
            password: string;
            /** @description Login name. */
            username: string;
        };
        /** @description A new session. */
        LoginResponse: {
            /**
             * Format: int64
             * @description The session ends after this many seconds without a request.
             */
            idle_timeout_seconds: number;
            /** @description Who logged in. */
            me: components["schemas"]["Me"];
            /**
             * @description Logged in with a temporary password (after a reset): the session may do nothing
             *     but choose a new password (`POST /api/v1/auth/password`) until it does.
             */
            must_change_password: boolean;
            /** @description Bearer token for `Authorization: Bearer …`. */
            token: string;
        };
        /** @description The caller, as the UI needs to know it. */
        Me: {
            /** @enum {string} */
            kind: "staff";
            /** @description Role. */
            role: components["schemas"]["StaffRole"];
            /** @description Login name. */
            username: string;
        } | {
            /** @description Device id. */
            id: string;
            /** @enum {string} */
            kind: "device";
            /** @description Role. */
            role: components["schemas"]["DeviceRole"];
        };
        /** @description Where an appointment is moved to. */
        MoveAppointment: {
            /**
             * Format: date
             * @description The new clinic-local day, `YYYY-MM-DD`.
             */
            date: string;
            /**
             * @description The new start of the slot, `HH:MM`.
             * @example 10:00
             */
            slot_start: string;
        };
        /** @description A booking request from the desk. */
        NewAppointment: {
            /**
             * @description Book beyond the desk's places of a full slot: the desk confirms an overbooking,
             *     which every desk then sees as such.
             */
            confirm_overbooking?: boolean;
            /**
             * Format: date
             * @description The clinic-local day, `YYYY-MM-DD`.
             */
            date: string;
            patient?: null | components["schemas"]["PatientId"];
            /** @description The service. */
            service: components["schemas"]["ServiceCode"];
            /**
             * Format: int32
             * @description Length of the slot in minutes: the schedule's, which it may repeat.
             */
            slot_minutes?: number | null;
            /**
             * @description Start of the slot, `HH:MM` (seconds may follow).
             * @example 09:30
             */
            slot_start: string;
        };
        /** @description A device an admin registers. */
        NewDevice: {
            /** @description A name staff recognise, e.g. `Kiosk Lobi`. */
            name: string;
            /** @description What it is for. */
            role: components["schemas"]["DeviceRole"];
        };
        /** @description A new service: a `Service` as the kiosk lists it. */
        NewService: {
            /** @description Whether the kiosk offers it. */
            active: boolean;
            /** @description The label prefix and the service's identity (`A`). */
            code: components["schemas"]["ServiceCode"];
            /** @description Name in English. */
            name_en: string;
            /** @description Name in Bahasa Indonesia. */
            name_id: string;
            slots?: null | components["schemas"]["SlotRules"];
            /**
             * @description The steps of a visit, in order (e.g. `registration`, then `room`); none: a visit
             *     is one step, at any counter serving the service.
             */
            steps?: components["schemas"]["VisitStep"][];
            /**
             * Format: int32
             * @description The wait it aims to call patients within, in minutes (1 to 1440; 60 when left
             *     out).
             */
            target_wait_minutes?: number | null;
        };
        /** @description A staff account an admin creates. */
        NewStaff: {
            /** @description Name shown on screens. */
            display_name: string;
            /** @description Initial password (at least 12 characters, following the password policy). */
            password: string;
            /** @description Role. */
            role: components["schemas"]["StaffRole"];
            /** @description Login name: 3–32 lowercase letters, digits, `.`, `_` or `-`. */
            username: string;
        };
        /** @description A request for a ticket: a walk-in for a service, or an appointment check-in. */
        NewTicket: {
            /** @description The booking code of an appointment being checked in. */
            appointment_code?: string | null;
            priority?: null | components["schemas"]["Priority"];
            service?: null | components["schemas"]["ServiceCode"];
        };
        /** @description Where a transferred patient goes next, on their status page. */
        NextStep: {
            /** @description Its label: the same as before unless the clinic gives a new number per transfer. */
            label: string;
            /** @description The same in English. */
            service_name_en: string;
            /** @description The service to go to, in Bahasa Indonesia. */
            service_name_id: string;
            /** @description Its state there. */
            status: components["schemas"]["TicketStatus"];
            /** @description The same in English. */
            step_name_en?: string | null;
            /**
             * @description The step of that service it waits for, in Bahasa Indonesia (null: a service of
             *     one step).
             */
            step_name_id?: string | null;
            /** @description The ticket that continues the visit (its own status page). */
            ticket_id: components["schemas"]["TicketId"];
        };
        /** @description A password change. */
        PasswordChange: {
            /** @description The password now (the temporary one after a reset). */
            current: string;
            /** @description The new password (at least 12 characters, following the password policy). */
            new: string;
        };
        /** @description A temporary password, shown this once. */
        PasswordReset: {
            /**
             * @description The temporary password to hand to its owner. The next login with it may only
             *     choose a new password.
             */
            temporary_password: string;
            /** @description The account. */
            user: components["schemas"]["StaffView"];
        };
        /**
         * Format: uuid
         * @description A registered patient.
         */
        PatientId: string;
        /** @description The fields a desk submits to register a patient. */
        PatientInput: {
            /**
             * Format: date
             * @description Date of birth, `YYYY-MM-DD`.
             */
            birth_date?: string | null;
            /** @description BPJS card number, 13 digits. */
            bpjs_number?: string | null;
            /** @description Full name. */
            name?: string | null;
            /**
             * @description NIK, 16 digits: a province code 11–94, and a birth date part `DDMMYY` whose day
             *     may have 40 added.
             */
            nik?: string | null;
            /**
             * @description Mobile number, `08…`, `628…` or `+628…` and 9–12 more digits (spaces and dashes
             *     allowed).
             */
            phone?: string | null;
        };
        /** @description A patient record. */
        PatientView: {
            /**
             * Format: date
             * @description Date of birth.
             */
            birth_date?: string | null;
            /** @description BPJS card number. */
            bpjs_number?: string | null;
            /** @description Record id. */
            id: string;
            /** @description Full name. */
            name?: string | null;
            /** @description NIK. */
            nik?: string | null;
            /** @description Mobile number, `+62…`. */
            phone?: string | null;
        };
        /** @description A ticket's print job, as shown with the ticket. */
        PrintState: {
            /**
             * @description The printer's current fault while the job waits; the kiosk then asks the patient
             *     to note the number.
             */
            fault?: string | null;
            /** @description `queued` or `printed`. */
            status: string;
        };
        /** @description What the desk sees of the printer. */
        PrinterHealth: {
            /** @description Whether a printer is configured for this node. */
            configured: boolean;
            /** @description The current fault in words (`paper out`, `offline`, `unreachable: …`), if any. */
            fault?: string | null;
            /**
             * Format: date-time
             * @description When the last job printed.
             */
            last_printed_at?: string | null;
            /**
             * Format: int32
             * @description Jobs waiting to print.
             */
            pending: number;
            /** @description The printer's address, e.g. `127.0.0.1:9100`. */
            target?: string | null;
        };
        /**
         * @description The priority lane a patient chose; any lane goes ahead of the regular queue.
         * @enum {string}
         */
        Priority: "elderly" | "pregnant" | "disability";
        /** @description What anyone holding a ticket's id (its QR code) may see: no patient data. */
        PublicTicketView: {
            /** @description Where to go, once called. */
            counter_name?: string | null;
            /**
             * @description The numbers it held at earlier steps of the visit, oldest first (empty unless the
             *     clinic gives a new number per step): "your new number is A-031 (was A-012)".
             */
            earlier_labels?: string[];
            /**
             * Format: int32
             * @description Estimated seconds until called; null unless waiting.
             */
            estimated_wait_seconds?: number | null;
            /** @description The number the patient holds now. */
            label: string;
            next?: null | components["schemas"]["NextStep"];
            /**
             * Format: int32
             * @description People ahead; null unless waiting.
             */
            people_ahead?: number | null;
            /**
             * Format: int32
             * @description Place in the calling order, 1 = next; null unless waiting.
             */
            position?: number | null;
            /** @description Service name in English. */
            service_name_en: string;
            /** @description Service name in Bahasa Indonesia. */
            service_name_id: string;
            /** @description Lifecycle state. */
            status: components["schemas"]["TicketStatus"];
            /** @description The same in English. */
            step_name_en?: string | null;
            /**
             * @description The step of the visit it is at, in Bahasa Indonesia (`Pendaftaran`); null in a
             *     service of one step.
             */
            step_name_id?: string | null;
        };
        /**
         * @description When a service takes appointments and how many: weekly hours, slot length, places
         *     per slot with the online share of them, and the days it is closed.
         */
        Schedule: {
            /** @description Days it is closed (public holidays), clinic-local dates. */
            closed?: string[];
            /**
             * @description Weekly opening hours: any number of periods a day (a morning and an afternoon),
             *     none on a day it is closed every week.
             */
            hours: components["schemas"]["Hours"][];
            /**
             * Format: int32
             * @description How many of a slot's places patients may book online (0 to `places_per_slot`);
             *     the rest are kept for the desk and walk-ins.
             */
            online_places?: number;
            /**
             * Format: int32
             * @description Patients one slot takes (1 to 50).
             */
            places_per_slot: number;
            practitioner?: null | components["schemas"]["UserId"];
            /**
             * Format: int32
             * @description Length of a slot in minutes (5 to 240). A period that it does not divide ends
             *     with the last slot that fits.
             */
            slot_minutes: number;
        };
        /** @description A queue the clinic offers: Poli Umum, Poli Gigi, KIA, Laboratorium, Farmasi. */
        Service: {
            /** @description Whether the kiosk offers it today. */
            active: boolean;
            /** @description Label prefix and identity within the clinic. */
            code: components["schemas"]["ServiceCode"];
            /** @description Name in English. */
            name_en: string;
            /** @description Name in Bahasa Indonesia. */
            name_id: string;
            schedule?: null | components["schemas"]["Schedule"];
            /**
             * @description How its appointment day is cut into slots and how many patients a slot takes
             *     (the defaults when a service was set up without them).
             */
            slots?: components["schemas"]["SlotRules"];
            /**
             * @description The steps of a visit, in order: e.g. registration at a loket, then the poli's
             *     room. None: a visit is one step, at any counter serving the service.
             */
            steps?: components["schemas"]["VisitStep"][];
            /**
             * Format: int32
             * @description The wait the clinic aims to call its patients within, in minutes (1 to 1440):
             *     the reports count the share of tickets called within it. 60 in services set up
             *     before it could be set.
             * @default 60
             */
            target_wait_minutes: number;
        };
        /**
         * @description The short code of a service (`A` for Poli Umum): the prefix of its ticket labels.
         * @example A
         */
        ServiceCode: string;
        /** @description The figures of one service, or of the whole clinic. */
        ServiceFigures: {
            /**
             * Format: int32
             * @description Tickets with a waiting time (called at least once).
             */
            called: number;
            /**
             * Format: int32
             * @description Tickets cancelled.
             */
            cancelled: number;
            /**
             * Format: int32
             * @description Tickets issued.
             */
            issued: number;
            /** @description Its name in English (`Whole clinic`). */
            name_en: string;
            /** @description Its name in Bahasa Indonesia (`Seluruh klinik` for the whole clinic). */
            name_id: string;
            /**
             * Format: int32
             * @description Tickets that are no-shows.
             */
            no_show: number;
            /**
             * Format: int32
             * @description Tickets served (done, or transferred on after being called).
             */
            served: number;
            service?: null | components["schemas"]["ServiceCode"];
            /**
             * Format: int64
             * @description Service time (per finished step), median, in seconds.
             */
            service_p50_s?: number | null;
            /**
             * Format: int64
             * @description Service time, 90th percentile.
             */
            service_p90_s?: number | null;
            /**
             * Format: int32
             * @description Its target wait in minutes; null in the whole-clinic row.
             */
            target_wait_minutes?: number | null;
            /**
             * Format: int32
             * @description Tickets transferred to another service.
             */
            transferred: number;
            /**
             * @description Waiting times in buckets of [`WAIT_BUCKET_MINUTES`] (13 counts: 0–10 min, …,
             *     110–120, over 120). A wait of exactly 10 minutes is in the first.
             */
            wait_histogram: number[];
            /**
             * Format: int64
             * @description Longest waiting time.
             */
            wait_max_s?: number | null;
            /**
             * Format: int64
             * @description Waiting time, median, in seconds.
             */
            wait_p50_s?: number | null;
            /**
             * Format: int64
             * @description Waiting time, 90th percentile.
             */
            wait_p90_s?: number | null;
            /**
             * Format: double
             * @description Share of `called` tickets called within the target wait, 0 to 1.
             */
            within_target_ratio?: number | null;
        };
        /** @description A service's names and whether the kiosk offers it. */
        ServiceSettings: {
            /** @description Whether the kiosk offers it. */
            active: boolean;
            /** @description Name in English. */
            name_en: string;
            /** @description Name in Bahasa Indonesia. */
            name_id: string;
            slots?: null | components["schemas"]["SlotRules"];
            /**
             * @description The steps of a visit, in order (registration, then the room); left out, they stay
             *     as they were (none for a new service: a visit of one step).
             */
            steps?: components["schemas"]["VisitStep"][] | null;
            /**
             * Format: int32
             * @description The wait it aims to call patients within, in minutes (1 to 1440); left out, it
             *     stays as it was (60 for a new service).
             */
            target_wait_minutes?: number | null;
        };
        /** @description A service with its live queue figures. */
        ServiceView: components["schemas"]["Service"] & {
            /**
             * Format: int32
             * @description Counters that serve its first step.
             */
            counters: number;
            /**
             * Format: int32
             * @description Estimated seconds a ticket taken now would wait.
             */
            estimated_wait_seconds: number;
            /** @description Each step's queue, in the order of the visit (empty in a service of one step). */
            step_queues: components["schemas"]["StepQueueView"][];
            /**
             * Format: int32
             * @description Tickets waiting now at its first step (where a ticket taken now waits).
             */
            waiting: number;
        };
        /** @description One slot of a day and how full it is. */
        SlotFill: {
            /**
             * Format: int32
             * @description Live bookings in it, both shares.
             */
            booked: number;
            /**
             * Format: int32
             * @description Live desk bookings in it, confirmed overbookings included.
             */
            booked_desk: number;
            /**
             * Format: int32
             * @description Live online bookings in it.
             */
            booked_online: number;
            /**
             * @description End of the slot, clinic-local.
             * @example 09:45:00
             */
            end: string;
            /**
             * Format: int32
             * @description Desk places still free.
             */
            free_desk: number;
            /**
             * Format: int32
             * @description Online places still free.
             */
            free_online: number;
            /** @description Free, full or over capacity, whole slot. */
            fullness: components["schemas"]["Fullness"];
            /**
             * Format: int32
             * @description How many of them are the online share.
             */
            online_places: number;
            /**
             * @description A time with bookings that the schedule no longer has (it changed after they
             *     were made): they keep their time.
             */
            outside_schedule: boolean;
            /**
             * Format: int32
             * @description Confirmed overbookings among them.
             */
            overbooked: number;
            /** @description Whether it has begun before the current minute: it takes no booking. */
            past: boolean;
            /**
             * Format: int32
             * @description Patients it takes (0 for a time outside the schedule that has bookings).
             */
            places: number;
            /**
             * Format: int32
             * @description Desk places escrowed to nodes and not used yet ([`DeskReserve`]): taken for
             *     every desk but the holder's.
             */
            reserved?: number;
            /**
             * @description Start of the slot, clinic-local.
             * @example 09:30:00
             */
            start: string;
        };
        /** @description How a service's appointment day is cut into slots, and how many patients a slot takes. */
        SlotRules: {
            /**
             * @description No slot starts at or after this time, clinic-local.
             * @default 14:00:00
             * @example 14:00
             */
            closes: string;
            /**
             * @description Start of the first slot, clinic-local.
             * @default 08:00:00
             * @example 08:00
             */
            opens: string;
            /**
             * Format: int32
             * @description Patients one slot takes (1 to 50).
             * @default 1
             */
            places_per_slot: number;
            /**
             * Format: int32
             * @description Length of a slot in minutes (5 to 240).
             * @default 15
             */
            slot_minutes: number;
        };
        /** @description A staff account, with the machines its logins are refused from now. */
        StaffAccount: components["schemas"]["StaffView"] & {
            /**
             * @description Machines this account is locked against after too many failed logins from them
             *     (for 15 minutes from the last failure that locked it); empty when it is locked
             *     nowhere. From every other machine it still logs in.
             */
            login_locks: components["schemas"]["LoginLock"][];
        };
        /** @description What an admin changes about an account; absent fields stay as they are. */
        StaffChange: {
            /**
             * @description `false` disables the account (it cannot log in and its sessions end at once);
             *     `true` enables it again.
             */
            active?: boolean | null;
            /** @description Name shown on screens (1–100 characters, trimmed). */
            name?: string | null;
            role?: null | components["schemas"]["StaffRole"];
        };
        /** @description One staff member's work (no patient data). */
        StaffFigures: {
            /**
             * Format: double
             * @description Their mean service time in seconds.
             */
            mean_service_s?: number | null;
            /**
             * Format: int32
             * @description Steps served.
             */
            served: number;
            /** @description The staff account. */
            staff: components["schemas"]["UserId"];
            /** @description Its username (null if the account is not known). */
            username?: string | null;
        };
        /**
         * @description The role of a staff account.
         * @enum {string}
         */
        StaffRole: "admin" | "desk" | "clinician";
        /** @description A staff account without its password hash. */
        StaffView: {
            /** @description Whether the account may log in. */
            active: boolean;
            /** @description Name shown on screens. */
            display_name: string;
            /** @description Account id. */
            id: components["schemas"]["UserId"];
            /** @description Role. */
            role: components["schemas"]["StaffRole"];
            /** @description Login name. */
            username: string;
        };
        /** @description Service times at one step of a service's visit. */
        StepFigures: {
            /**
             * Format: double
             * @description Mean service time in seconds.
             */
            mean_service_s?: number | null;
            /**
             * Format: int32
             * @description Steps finished.
             */
            served: number;
            /** @description The service. */
            service: components["schemas"]["ServiceCode"];
            /**
             * Format: int64
             * @description Median service time.
             */
            service_p50_s?: number | null;
            /**
             * Format: int64
             * @description 90th percentile.
             */
            service_p90_s?: number | null;
            step?: null | components["schemas"]["StepId"];
        };
        /**
         * @description The identity of a step of a visit, a short slug such as `registration` or
         *     `room`. Services that share a step share its id, so a counter serving
         *     `registration` registers the patients of all its services.
         * @example registration
         */
        StepId: string;
        /** @description The queue at one step of a service's visit. */
        StepQueueView: {
            /**
             * Format: int32
             * @description Counters that serve it.
             */
            counters: number;
            /** @description The step. */
            step: components["schemas"]["StepId"];
            /**
             * Format: int32
             * @description Tickets waiting there now.
             */
            waiting: number;
        };
        /** @description A report over a range of days. */
        Summary: {
            /** @description Appointments of the range. */
            appointments: components["schemas"]["AppointmentFigures"];
            /** @description Tickets issued per clinic-local hour of the day, 0 to 23. */
            by_hour: number[];
            /**
             * Format: double
             * @description Mean absolute error of the wait estimated at issue against the waiting time, in
             *     seconds; null when no ticket has both.
             */
            estimate_mae_s?: number | null;
            /**
             * Format: int32
             * @description How many tickets `estimate_mae_s` is the mean of.
             */
            estimate_samples: number;
            /**
             * Format: date
             * @description First service day, inclusive.
             */
            from: string;
            /** @description Tickets issued per clinic-local weekday (Monday first) and hour: 7 rows of 24. */
            heat_map: number[][];
            /** @description Per counter: steps finished there and their mean service time, by counter id. */
            per_counter: components["schemas"]["CounterFigures"][];
            /**
             * @description One row per service, by code (every configured service, and any other that has
             *     tickets in the range).
             */
            per_service: components["schemas"]["ServiceFigures"][];
            /** @description Per staff member: steps they served and the mean service time, by id. */
            per_staff: components["schemas"]["StaffFigures"][];
            /** @description Service times per step of a visit, by service then step. */
            per_step: components["schemas"]["StepFigures"][];
            /** @description The time zone hours and weekdays are counted in, e.g. `Asia/Jakarta`. */
            time_zone: string;
            /**
             * Format: date
             * @description Last service day, inclusive.
             */
            to: string;
            /**
             * Format: int32
             * @description Visits: transfer chains, each counted once however many tickets it had.
             */
            visits: number;
            /**
             * @description The same figures for the whole clinic; its `service` is null. Each ticket is
             *     judged against its own service's target wait.
             */
            whole_clinic: components["schemas"]["ServiceFigures"];
        };
        /** @description The whole picture for `GET /api/v1/sync/status`. */
        SyncStatus: {
            /**
             * Format: int64
             * @description The correction this node applies to its own clock to keep its authority's time.
             */
            clock_correction_ms: number;
            /**
             * Format: int64
             * @description The largest clock difference seen on any link, in ms (positive: others are ahead).
             */
            clock_skew_ms?: number | null;
            /**
             * Format: int64
             * @description Tickets with a refused concurrent step that staff should look at.
             */
            conflicts: number;
            /** @description This node's device id (the origin of its events). */
            device: components["schemas"]["DeviceId"];
            /**
             * @description The clinic's label authority: who it is, how it was chosen, and whether a second
             *     one was found (`conflict`).
             */
            labels: components["schemas"]["LabelAuthority"];
            /** @description Each link. */
            links: components["schemas"]["LinkStatus"][];
            /** @description Whether at least one link is reachable (or none is configured: a standalone node). */
            online: boolean;
            /**
             * Format: int64
             * @description The most events any one reachable-or-not link still lacks.
             */
            pending_out: number;
        };
        /**
         * Format: uuid
         * @description One ticket: one patient in one service queue.
         */
        TicketId: string;
        /**
         * @description Where a ticket is in its life.
         * @enum {string}
         */
        TicketStatus: "waiting" | "called" | "serving" | "done" | "no_show" | "cancelled" | "transferred";
        /** @description A ticket as staff, kiosks and the status page see it. It never holds patient data. */
        TicketView: {
            appointment?: null | components["schemas"]["AppointmentId"];
            /**
             * Format: date-time
             * @description When it was last called.
             */
            called_at?: string | null;
            /** @description Steps refused because another device changed the ticket first. */
            conflicts: components["schemas"]["ConflictView"][];
            counter?: null | components["schemas"]["CounterId"];
            /** @description That counter's name, e.g. `Loket 2`. */
            counter_name?: string | null;
            /**
             * @description The numbers it held at earlier steps of the visit, oldest first (empty unless the
             *     clinic gives a new number per step).
             */
            earlier_labels?: string[];
            /**
             * Format: int32
             * @description Estimated seconds until called; null unless waiting.
             */
            estimated_wait_seconds?: number | null;
            /** @description Identity (also the key of the public status page). */
            id: components["schemas"]["TicketId"];
            /**
             * Format: date-time
             * @description When it was taken.
             */
            issued_at: string;
            /**
             * @description The number the patient holds now, e.g. `A-012` (a clinic with
             *     `new_label_per_step` gives a new one at each step of the visit).
             */
            label: string;
            /**
             * Format: int32
             * @description People ahead in the calling order; null unless waiting.
             */
            people_ahead?: number | null;
            /**
             * Format: int32
             * @description Place in the calling order of its step, 1 = next; null unless waiting.
             */
            position?: number | null;
            print?: null | components["schemas"]["PrintState"];
            priority?: null | components["schemas"]["Priority"];
            /**
             * Format: int32
             * @description Times it was called again.
             */
            recalls: number;
            /** @description Service code. */
            service: components["schemas"]["ServiceCode"];
            /** @description Service name in English. */
            service_name_en: string;
            /** @description Service name in Bahasa Indonesia. */
            service_name_id: string;
            /** @description Lifecycle state. */
            status: components["schemas"]["TicketStatus"];
            step?: null | components["schemas"]["StepId"];
            /** @description That step's name in English. */
            step_name_en?: string | null;
            /** @description That step's name in Bahasa Indonesia, e.g. `Pendaftaran`. */
            step_name_id?: string | null;
            transferred_from?: null | components["schemas"]["TicketId"];
            transferred_to?: null | components["schemas"]["TicketId"];
            /** @description The visit it belongs to (shared across a transfer chain). */
            visit: components["schemas"]["VisitId"];
        };
        /** @description How many login locks were lifted. */
        Unlocked: {
            /** @description Locks lifted (one per machine the account was locked against). */
            locks_lifted: number;
            /** @description The account. */
            user: components["schemas"]["StaffView"];
        };
        /**
         * Format: uuid
         * @description A staff account.
         */
        UserId: string;
        /**
         * Format: uuid
         * @description One patient visit; the tickets of a visit form its journey across services.
         */
        VisitId: string;
        /** @description One step of a visit to a service: registration at a loket, then the poli's room. */
        VisitStep: {
            /** @description Identity, shared by the services that have this step. */
            id: components["schemas"]["StepId"];
            /** @description Name in English, e.g. `Registration`. */
            name_en: string;
            /** @description Name in Bahasa Indonesia, e.g. `Pendaftaran`. */
            name_id: string;
        };
    };
    responses: {
        /** @description `bad_json` / `bad_request`: the body cannot be read (not JSON) */
        BadRequest: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `disk_full`: the node's disk is full; nothing was changed */
        DiskFull: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `internal`: a fault on the node (logged there) */
        Internal: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `password_change_required`: this session logged in with a temporary password and may only choose a new one (`POST /api/v1/auth/password`) */
        PasswordChangeRequired: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `payload_too_large`: the body is larger than 64 KiB */
        PayloadTooLarge: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `rate_limited`: too many requests from this machine; `Retry-After` says in how many seconds to try again */
        RateLimited: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                /** @description seconds to wait */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `storage_unavailable`: the node's database could not answer or save; nothing was changed */
        StorageUnavailable: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `unauthorized`: no token, or one that is unknown, expired or revoked */
        Unauthorized: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `unsupported_media_type`: the body is not sent as `application/json` */
        UnsupportedMediaType: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
        /** @description `validation_failed`: a path or query parameter, or a field of the body, does not hold what it should (the message names it and the rule) */
        ValidationFailed: {
            headers: {
                /** @description the language of `message` (see the `Accept-Language` parameter) */
                "Content-Language"?: "id" | "en";
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorBody"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_appointments: {
        parameters: {
            query?: {
                /** @description `YYYY-MM-DD`; today when left out. */
                date?: string;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppointmentView"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    book: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewAppointment"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppointmentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such service or patient */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `slot_full`: every place of the slot is booked */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `validation_failed`: a day or a time that has passed in the clinic, or a field out of range */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    cancel_appointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description appointment id */
                id: components["schemas"]["AppointmentId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CancelBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppointmentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such appointment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `appointment_cancelled`: already cancelled; `already_checked_in`: cancel its ticket instead */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `validation_failed`: the reason is empty, too long or not one line */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    move_appointment: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description appointment id */
                id: components["schemas"]["AppointmentId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MoveAppointment"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AppointmentView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such appointment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `slot_full`; `appointment_cancelled`; `already_checked_in` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `validation_failed`: a day or a time that has passed in the clinic */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    trail: {
        parameters: {
            query?: {
                /** @description Only this action. */
                action?: string;
                /** @description Only this actor (`staff:<id>`, `device:<id>`, `system`). */
                actor?: string;
                /** @description Only entries about this patient. */
                patient?: components["schemas"]["PatientId"];
                /**
                 * @description Only entries at or after this time (ms since 1970, 0 to 2^47 − 1: as far as event
                 *     stamps reach).
                 */
                since_ms?: number;
                /** @description At most this many, newest first (default 200; 1 to 1,000). */
                limit?: number;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditRow"][];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: `limit` or `since_ms` out of range */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    break_glass: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BreakGlassRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BreakGlassResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoginResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `account_locked`: too many failed logins of this username from this machine; `rate_limited`: too many failed logins from this machine */
            429: {
                headers: {
                    /** @description seconds until the lock is over */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: components["responses"]["PasswordChangeRequired"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    me: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: components["responses"]["PasswordChangeRequired"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    change_password: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChange"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `wrong_password`: the current password is wrong; `forbidden`: a device */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description the account was disabled meanwhile */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description the new password does not follow the password policy */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    calls: {
        parameters: {
            query?: {
                /** @description At most this many (default 10; more than 50 is taken as 50). */
                limit?: number;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CallView"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["PasswordChangeRequired"];
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    clinic: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Clinic"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["PasswordChangeRequired"];
            /** @description the clinic is not set up yet */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    put_clinic: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ClinicSettings"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Clinic"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    conflicts: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConflictView"][];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    counters: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Counter"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["PasswordChangeRequired"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    create_counter: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CounterSettings"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Counter"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description a service it names does not exist */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    put_counter: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description Counter id, e.g. loket-1 */
                counter_id: components["schemas"]["CounterId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CounterSettings"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    call_next: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description counter id, e.g. loket-1 */
                counter_id: components["schemas"]["CounterId"];
            };
            cookie?: never;
        };
        /** @description needed while the counter still holds a ticket */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["CallNext"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `queue_empty` when nobody waits, `not_found` for an unknown counter */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `counter_busy`: the counter still holds a ticket and the body does not say what becomes of it; `invalid_transition`: that is not allowed from its state */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `validation_failed`: not a counter id, or a body the node cannot read */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    devices: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    create_device: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewDevice"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedDevice"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    revoke_device: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description device id */
                id: components["schemas"]["DeviceId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    events: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream of LiveMessage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["LiveEvent"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["PasswordChangeRequired"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    search_patients: {
        parameters: {
            query?: {
                /** @description Part of a name, or a whole NIK, BPJS or phone number. */
                q?: string;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatientView"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    register_patient: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PatientInput"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PatientView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    printer: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PrinterHealth"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["PasswordChangeRequired"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    printer_test: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            507: components["responses"]["DiskFull"];
        };
    };
    public: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description ticket id */
                id: components["schemas"]["TicketId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublicTicketView"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    summary_json: {
        parameters: {
            query: {
                /**
                 * @description First clinic-local service day, `YYYY-MM-DD`.
                 * @example 2026-12-01
                 */
                from: string;
                /**
                 * @description Last one, inclusive (at most 400 days after `from`, counting both).
                 * @example 2026-12-31
                 */
                to: string;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Summary"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`: a date that is not `YYYY-MM-DD`, `from` after `to`, or more than 400 days */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    summary_csv: {
        parameters: {
            query: {
                /**
                 * @description First clinic-local service day, `YYYY-MM-DD`.
                 * @example 2026-12-01
                 */
                from: string;
                /**
                 * @description Last one, inclusive (at most 400 days after `from`, counting both).
                 * @example 2026-12-31
                 */
                to: string;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`, as for the JSON */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    summary_xlsx: {
        parameters: {
            query: {
                /**
                 * @description First clinic-local service day, `YYYY-MM-DD`.
                 * @example 2026-12-01
                 */
                from: string;
                /**
                 * @description Last one, inclusive (at most 400 days after `from`, counting both).
                 * @example 2026-12-31
                 */
                to: string;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": number[];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `validation_failed`, as for the JSON */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    services: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServiceView"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["PasswordChangeRequired"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    create_service: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewService"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `service_exists` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    put_service: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description Service code, e.g. A */
                code: components["schemas"]["ServiceCode"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ServiceSettings"];
            };
        };
        responses: {
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    put_schedule: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description Service code, e.g. A */
                code: components["schemas"]["ServiceCode"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Schedule"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Service"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such service */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    appointment_slots: {
        parameters: {
            query: {
                /**
                 * @description The service, e.g. `A`.
                 * @example A
                 */
                service: string;
                /** @description `YYYY-MM-DD`; today in the clinic when left out. */
                date?: string;
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SlotFill"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such service */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    status: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncStatus"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    list_tickets: {
        parameters: {
            query?: {
                /** @description Only this service. */
                service?: components["schemas"]["ServiceCode"];
                /** @description Only this status. */
                status?: components["schemas"]["TicketStatus"];
            };
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketView"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    issue: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewTicket"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description ticket id */
                id: components["schemas"]["TicketId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketView"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    cancel_ticket: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description ticket id */
                id: components["schemas"]["TicketId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CancelBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such ticket */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: already cancelled, being served or finished */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description `validation_failed`: the reason is empty, too long or not one line */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    print_png: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description Ticket id */
                id: components["schemas"]["TicketId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/png": number[];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    act: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description ticket id */
                id: components["schemas"]["TicketId"];
                action: string;
            };
            cookie?: never;
        };
        /** @description needed by call and transfer */
        requestBody?: {
            content: {
                "application/json": null | components["schemas"]["ActionBody"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TicketView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `not_found`: no such ticket (or counter); `unknown_action` */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `invalid_transition`: not allowed from the ticket's state; `no_printer` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    users: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaffAccount"][];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
        };
    };
    create_user: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewStaff"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaffView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    update_user: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description account id */
                id: components["schemas"]["UserId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["StaffChange"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaffView"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `own_account`: your own account; `last_admin`: no active admin would be left */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    reset_password: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description account id */
                id: components["schemas"]["UserId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PasswordReset"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            /** @description `own_account`: one's own password is changed, not reset */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
    unlock: {
        parameters: {
            query?: never;
            header?: {
                /** @description The language of an error's `message`: Bahasa Indonesia (`id`, the default, also without this header or when it names no language spoken here) or English (`en`), by the usual weights (`en-GB,en;q=0.9,id;q=0.8`). The `code` is the same in every language; the answer's `Content-Language` says which was used. */
                "Accept-Language"?: string;
            };
            path: {
                /** @description account id */
                id: components["schemas"]["UserId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Unlocked"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorBody"];
                };
            };
            422: components["responses"]["ValidationFailed"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            503: components["responses"]["StorageUnavailable"];
            507: components["responses"]["DiskFull"];
        };
    };
}
