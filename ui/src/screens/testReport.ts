// Test data for the report screens (the node's admin and the head office's).
import type { ServiceFigures } from "../api/types";

/** One service's report figures with nothing counted, `patch` over them. */
export function serviceFigures(patch: Partial<ServiceFigures>): ServiceFigures {
  return {
    service: "L",
    name_id: "Laboratorium",
    name_en: "Laboratory",
    target_wait_minutes: 60,
    issued: 0,
    served: 0,
    no_show: 0,
    cancelled: 0,
    transferred: 0,
    called: 0,
    wait_p50_s: null,
    wait_p90_s: null,
    wait_max_s: null,
    service_p50_s: null,
    service_p90_s: null,
    within_target_ratio: null,
    wait_histogram: Array(13).fill(0),
    ...patch,
  };
}
