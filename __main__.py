"""webapp-platform: the DevOps platform of a React SPA, one stack per environment.

Wiring only: read and validate the configuration once, build explicit providers, hand typed args to
the components, export what consumers need. See README.md for what each part declares.
"""

import pulumi

import wiring
from stackconfig.load import load_from_pulumi

config = load_from_pulumi()  # raises ConfigError (every problem at once) before any resource exists
providers = wiring.providers(config)
wiring.plan_warnings(config)

monitoring = wiring.monitoring(config, providers)
repository = wiring.repository(config, providers)  # None unless this stack owns the shared resources
site = wiring.site(config, providers, dsn=monitoring.dsn, repository=repository)
wiring.rulesets(config, providers, repository)
wiring.access(config, providers, repository)
wiring.actions_config(config, providers, repository, site=site, monitoring=monitoring)
wiring.managed_files(config, providers, repository)
environment = wiring.environment(config, providers, site=site, monitoring=monitoring, repository=repository)
preview = wiring.preview_environment(config, providers, site=site, repository=repository)
image = wiring.web_image(config, monitoring)
cluster = wiring.kubernetes_app(config, image)

pulumi.export("repositoryUrl", wiring.repository_url(config, repository))
pulumi.export("environment", config.environment)
pulumi.export("siteUrl", site.url)
pulumi.export("vercelProjectId", site.project_id)
pulumi.export("sentryProjectSlug", monitoring.project_slug)
pulumi.export("sentryDsn", monitoring.dsn)
if image is not None:
    pulumi.export("imageRef", image.ref)  # the promoting stack reads this: build once, deploy many
if cluster is not None:
    pulumi.export("kubernetesNamespace", cluster.namespace)
    pulumi.export("kubernetesServiceName", cluster.service_name)
    pulumi.export("kubernetesUrl", cluster.url)
