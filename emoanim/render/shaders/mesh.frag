#version 330 core
// emoanim preview fragment shader: soft three-point lighting for a clay-like face preview.
// Diffuse is wrapped Lambert ("half-Lambert"-style wrap, w = 0.35) so light falls off gently past the terminator,
// the look of a softbox rather than a point source; one broad Blinn-Phong lobe gives skin a dull sheen.
// Uniform names are pyrender's, so pyrender binds the scene's directional lights and material as usual.
// Vertex colour: sRGB in rgb, roughness in a (see emoanim/render/scene.py, MergedMesh).
struct DirectionalLight {
    vec3 direction;
    vec3 color;
    float intensity;
};
struct Material {
    vec4 base_color_factor;
};

uniform DirectionalLight directional_lights[MAX_DIRECTIONAL_LIGHTS];
uniform int n_directional_lights;
uniform vec3 ambient_light;
uniform vec3 cam_pos;
uniform Material material;

in vec3 frag_position;
in vec3 frag_normal;
in vec4 frag_color;

out vec4 frag_out;

const float WRAP = 0.35;

void main()
{
    vec3 n = normalize(frag_normal);
    vec3 v = normalize(cam_pos - frag_position);
    // Inner surfaces seen from behind (mouth cavity, eyelid backs) are lit as if facing the viewer.
    if (!gl_FrontFacing) {
        n = -n;
    }
    // Vertex colours are sRGB; light adds up in linear space.
    vec3 albedo = pow(frag_color.rgb * material.base_color_factor.rgb, vec3(2.2));
    // emoanim's MergedMesh stores each part's roughness in the colour's alpha (everything is drawn opaque).
    float roughness = clamp(frag_color.a, 0.0, 1.0);
    float shininess = mix(64.0, 4.0, roughness);
    float spec_strength = 0.25 * (1.0 - roughness);

    vec3 light = ambient_light * albedo;
    for (int i = 0; i < n_directional_lights; i++) {
        vec3 l = -directional_lights[i].direction;
        vec3 radiance = directional_lights[i].color * directional_lights[i].intensity;
        float diffuse = max((dot(n, l) + WRAP) / (1.0 + WRAP), 0.0);
        vec3 h = normalize(l + v);
        float specular = spec_strength * pow(max(dot(n, h), 0.0), shininess) * step(0.0, dot(n, l));
        light += radiance * (albedo * diffuse + specular);
    }
    // Simple gamma so the linear light sums read naturally on screen (sRGB is ~2.2).
    frag_out = vec4(pow(clamp(light, 0.0, 1.0), vec3(1.0 / 2.2)), 1.0);
}
