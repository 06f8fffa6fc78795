import { formatBuildInfo } from "../lib/format.js";

export default function About() {
  return (
    <section aria-labelledby="about-title">
      <h1 id="about-title">About</h1>
      <p>This page is a lazily loaded route: its code arrives in a chunk of its own.</p>
      <p data-testid="build-info">{formatBuildInfo(import.meta.env)}</p>
    </section>
  );
}
