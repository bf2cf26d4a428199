// What the strict-CSP pages share: the policy violations the page reports, and a probe that
// Trusted Types are really enforced there.

/** Every violation the page reports from now on, as `directive | blocked URI | sample`. */
export const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => {
  violations.push(`${e.violatedDirective} | ${e.blockedURI} | ${e.sample}`);
});

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** True when a raw innerHTML assignment throws; the probe's own violation report is cleared. */
export async function trustedTypesEnforced(): Promise<boolean> {
  let enforced = false;
  try {
    document.createElement('div').innerHTML = '<b>probe</b>';
  } catch (e) {
    enforced = e instanceof TypeError;
  }
  await tick(10);
  violations.length = 0;
  return enforced;
}
