// Entry point: monitoring first (so start-up errors are caught), then the router and the app.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import App from "./App.jsx";
import { initMonitoring } from "./lib/monitoring.js";
import { reportWebVitals } from "./lib/vitals.js";
import "./styles.css";

initMonitoring(import.meta.env);
reportWebVitals();

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
