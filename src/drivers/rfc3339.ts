// Kubernetes prints times as RFC 3339 in UTC with whole seconds (metav1.Time): `2026-11-24T10:00:01Z`.
// Drivers report creation times that way so controllers copy them into status unchanged.

export function toRfc3339Seconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export function unixSecondsToRfc3339(seconds: number): string {
  return toRfc3339Seconds(new Date(seconds * 1000));
}
