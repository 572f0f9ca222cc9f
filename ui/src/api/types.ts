// Names for the API's types, all generated from the node's OpenAPI document.
import type { components, operations } from "./schema";

type S = components["schemas"];
export type TicketView = S["TicketView"];
export type ServiceView = S["ServiceView"];
export type Counter = S["Counter"];
export type CallView = S["CallView"];
export type PublicTicketView = S["PublicTicketView"];
export type LiveMessage = S["LiveMessage"];
export type Priority = S["Priority"];
export type AppointmentView = S["AppointmentView"];
export type PatientView = S["PatientView"];
export type PrinterHealth = S["PrinterHealth"];
export type SyncStatus = S["SyncStatus"];
export type ConflictView = S["ConflictView"];
export type DeviceView = S["DeviceView"];
export type CreatedDevice = S["CreatedDevice"];
export type StaffView = S["StaffView"];
export type StaffAccount = S["StaffAccount"];
export type LoginLock = S["LoginLock"];
export type Clinic = S["Clinic"];
export type LoginResponse = S["LoginResponse"];
export type Me = S["Me"];
export type TicketStatus = S["TicketStatus"];
export type AuditRow = S["AuditRow"];
export type ServiceSettings = S["ServiceSettings"];
export type ClinicSettings = S["ClinicSettings"];
export type NewStaff = S["NewStaff"];
export type StaffRole = S["StaffRole"];
export type StaffChange = S["StaffChange"];
export type PasswordReset = S["PasswordReset"];
export type Service = S["NewService"];
export type CounterSettings = S["CounterSettings"];
export type NewDevice = S["NewDevice"];
export type ActionBody = S["ActionBody"];
export type Handover = S["Handover"];
/** The audit trail's filters, as the node's document describes them. */
export type AuditFilter = Partial<NonNullable<operations["trail"]["parameters"]["query"]>>;
