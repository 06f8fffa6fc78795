import { useEffect, useState } from "react";
import skyline from "../assets/skyline.svg";
import { fetchStatus } from "../lib/api.js";
import { describeStatus } from "../lib/format.js";

export default function Home() {
  const [status, setStatus] = useState({ state: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    fetchStatus(controller.signal)
      .then((data) => setStatus({ state: "ok", data }))
      .catch((error) => {
        if (!controller.signal.aborted) setStatus({ state: "error", error });
      });
    return () => controller.abort();
  }, []);

  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">Example web app</h1>
      <img src={skyline} width="480" height="240" alt="A green skyline under a yellow sun" />
      <p>
        A small single-page app: React, a router with one lazy route, an API client and browser
        monitoring, served by the platform&apos;s nginx image.
      </p>
      <p data-testid="api-status">{describeStatus(status)}</p>
    </section>
  );
}
