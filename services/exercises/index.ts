// The README exercises as checks on a snapshot of the lab: `npm run lab:check` and the lab view's checklist.
export * from './facts';
export * from './exercises';
export * from './gather';
