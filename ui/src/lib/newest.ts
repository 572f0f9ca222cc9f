// A screen that asks the same question again (a filter changed, "refresh" pressed)
// must show the answer to its newest question: answers arrive in any order, and an
// older one landing last would show rows the filters no longer ask for.
import { useCallback, useRef } from "react";

/**
 * Call when asking; the returned check says whether that question is still the
 * newest when its answer arrives. Drop the answer (and its error) when it is not.
 */
export function useNewest(): () => () => boolean {
  const asked = useRef(0);
  return useCallback(() => {
    const mine = ++asked.current;
    return () => mine === asked.current;
  }, []);
}
