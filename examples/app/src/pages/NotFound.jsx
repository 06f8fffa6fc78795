import { Link } from "react-router-dom";

export default function NotFound() {
  return (
    <section aria-labelledby="missing-title">
      <h1 id="missing-title">Page not found</h1>
      <p>
        <Link to="/">Back to the start page</Link>
      </p>
    </section>
  );
}
